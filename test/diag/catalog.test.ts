import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATALOG, allCodes, explanation, isCode } from '../../src/diag/catalog.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SRC = join(ROOT, 'src');
const CATALOG_FILES = /^src\/diag\/catalog(\.ts|\/)/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Upper-case literals with a code's prefix that are not codes (environment variables, a heredoc marker). */
const NOT_CODES = new Set(['KUBEHA_DEBUG', 'KUBEHA_CACHE', 'KUBEHA_LAB_ROOT', 'KUBEHA_B64_EOF', 'KUBEHA_NO_CODE_CACHE']);
const UPPER_CODE = /['"`]((?:SPEC|IMPORT|HAP|KA|MIRROR|SYSCTL|LAB|BUNDLE|FAILURE|DRILL|CERT|E|KUBEHA)_[A-Z0-9_]+)['"`]/g;
/** Lower-case codes: a finding's rule (`rule: 'drift'`), a problem's code; in src/analyze also a rule's id. */
const LOWER_CODE = /\b(?:rule|code):\s*'([a-z][a-z0-9]*(?:-[a-z0-9]+)*)'/g;
const RULE_ID = /\bid:\s*'([a-z][a-z0-9]*(?:-[a-z0-9]+)*)'|'(scenario-[a-z-]+)'/g;

/** Every code-shaped literal of src/ outside the catalog, with where it is. */
function codeLiterals(): { code: string; where: string }[] {
  const out: { code: string; where: string }[] = [];
  for (const file of sources(SRC)) {
    const rel = relative(ROOT, file);
    if (CATALOG_FILES.test(rel)) continue;
    const text = readFileSync(file, 'utf8');
    for (const re of rel.startsWith('src/analyze/') ? [UPPER_CODE, LOWER_CODE, RULE_ID] : [UPPER_CODE, LOWER_CODE])
      for (const m of text.matchAll(re)) {
        const code = m[1] ?? m[2] ?? '';
        if (!NOT_CODES.has(code)) out.push({ code, where: `${rel}:${text.slice(0, m.index).split('\n').length}` });
      }
  }
  return out;
}

describe('the catalog of codes', () => {
  it('holds every code the code base can emit (scanned from src/, so a code typed as a plain string is caught too)', () => {
    const literals = codeLiterals();
    assert.ok(literals.length > 250, `only ${literals.length} code literals found: is the scan broken?`);
    const missing = literals.filter((l) => !isCode(l.code)).map((l) => `${l.code} (${l.where})`);
    assert.deepEqual(missing, [], 'codes missing from src/diag/catalog: add an entry with severity, title, source and fix');
  });

  it('holds no code that nothing emits', () => {
    const emitted = new Set(codeLiterals().map((l) => l.code));
    assert.deepEqual(
      Object.keys(CATALOG).filter((c) => !emitted.has(c)),
      [],
    );
  });

  it('gives every code a severity, a one-line title, a source and a fix', () => {
    for (const { code, entry } of allCodes()) {
      assert.match(entry.severity, /^(error|warning|info)$/, code);
      assert.ok(entry.title.length > 10 && !entry.title.includes('\n'), `${code}: a one-line title`);
      assert.ok(entry.source.trim().length > 3, `${code}: a source`);
      assert.ok(entry.fix.trim().length > 3, `${code}: a fix`);
      assert.match(explanation(code), /\nFix: \S/, code);
    }
  });

  it('lists each code once, in one group', () => {
    const codes = allCodes().map((c) => c.code);
    assert.equal(new Set(codes).size, codes.length);
    assert.equal(codes.length, Object.keys(CATALOG).length);
  });
});
