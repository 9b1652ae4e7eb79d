import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { Diagnostic } from '../../src/diag/diagnostic.js';
import { memoryFileSource } from '../../src/parse/file-source.js';
import { parseHaproxy } from '../../src/parse/haproxy/index.js';
import { parseKeepalived } from '../../src/parse/keepalived/index.js';
import { loadMirror } from '../../src/parse/mirror.js';

/**
 * Bounded property test (fixed seed, 300 runs per parser): fixture texts mutated line-wise (delete, duplicate,
 * swap) and character-wise (braces, quotes, backslashes, comment marks, `$VAR`, `@id`, includes, garbage) never
 * make a parser throw, and every diagnostic points inside the file it names.
 */
const SEEDS = fileURLToPath(new URL('../fixtures/seeds/', import.meta.url));
function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
const corpus = (name: string): string[] => [...new Set(walk(SEEDS).filter((p) => p.endsWith(name)).map((p) => readFileSync(p, 'utf8')))];

const INSERTS = ['{', '}', '"', "'", '\\', '#', '!', ' ', '\t', '\n', '\r', '$X', '${X}', '$X=1\n', '@lb ', '@^lb ', 'include *\n', 'include ../*.conf\n', ':', ',', '-', '0', '99999999999', '\u0000', '\u00e9', '\u4e2d'];

type Op =
  | { kind: 'delete'; at: number }
  | { kind: 'duplicate'; at: number }
  | { kind: 'swap'; at: number; with: number }
  | { kind: 'insert'; at: number; col: number; text: string };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), col: fc.nat(), text: fc.oneof(fc.constantFrom(...INSERTS), fc.string({ maxLength: 6 })) }),
);

function mutate(text: string, ops: Op[]): string {
  const lines = text.split('\n');
  for (const op of ops) {
    if (lines.length === 0) lines.push('');
    const i = op.at % lines.length;
    switch (op.kind) {
      case 'delete':
        lines.splice(i, 1);
        break;
      case 'duplicate':
        lines.splice(i, 0, lines[i] ?? '');
        break;
      case 'swap': {
        const j = op.with % lines.length;
        const a = lines[i] ?? '';
        lines[i] = lines[j] ?? '';
        lines[j] = a;
        break;
      }
      case 'insert': {
        const l = lines[i] ?? '';
        const c = op.col % (l.length + 1);
        lines[i] = l.slice(0, c) + op.text + l.slice(c);
        break;
      }
    }
  }
  return lines.join('\n');
}

/** Every positioned diagnostic lies within the text of the file it names. */
function assertInside(ds: Diagnostic[], files: Record<string, string>): void {
  for (const d of ds) {
    assert.ok(d.code && d.message, 'diagnostic without code or message');
    if (d.line === undefined) continue;
    const text = files[d.file ?? ''];
    assert.ok(text !== undefined, `diagnostic names an unknown file: ${d.file ?? ''}`);
    const lineCount = text.split('\n').length;
    assert.ok(d.line >= 1 && d.line <= lineCount, `${d.code} line ${d.line} outside 1..${lineCount}`);
    assert.ok((d.col ?? 1) >= 1, `${d.code} col ${d.col ?? ''}`);
  }
}

const RUNS = { numRuns: 300, seed: 4242, endOnFailure: true } as const;

describe('parsers never throw on mutated fixtures', () => {
  test('haproxy.cfg', () => {
    const texts = corpus('haproxy.cfg');
    fc.assert(
      fc.property(fc.constantFrom(...texts), fc.array(opArb, { minLength: 1, maxLength: 8 }), (text, ops) => {
        const file = '/etc/haproxy/haproxy.cfg';
        const mutated = mutate(text, ops);
        const { config, diagnostics } = parseHaproxy(memoryFileSource({ [file]: mutated }), file);
        assert.ok(Array.isArray(config.frontends) && Array.isArray(config.backends));
        assertInside(diagnostics, { [file]: mutated });
      }),
      RUNS,
    );
  });

  test('keepalived.conf (with includes, parameters and conditional lines in play)', () => {
    const texts = corpus('keepalived.conf');
    fc.assert(
      fc.property(fc.constantFrom(...texts), fc.array(opArb, { minLength: 1, maxLength: 8 }), fc.boolean(), (text, ops, withId) => {
        const file = '/etc/keepalived/keepalived.conf';
        const files = { [file]: mutate(text, ops), '/etc/keepalived/conf.d/extra.conf': mutate(text, ops.slice(0, 2)) };
        const { config, diagnostics } = parseKeepalived(memoryFileSource(files), file, withId ? { configId: 'lb' } : {});
        assert.ok(Array.isArray(config.instances));
        assertInside(diagnostics, files);
      }),
      RUNS,
    );
  });

  test('hosts.yaml', () => {
    const base = readFileSync(join(SEEDS, 'seed-000', 'hosts.yaml'), 'utf8');
    const cfg = readFileSync(join(SEEDS, 'seed-000', 'lb-0', 'etc', 'haproxy', 'haproxy.cfg'), 'utf8');
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 6 }), (ops) => {
        const files = { '/hosts.yaml': mutate(base, ops), '/lb-0/etc/haproxy/haproxy.cfg': cfg };
        const { model, diagnostics } = loadMirror(memoryFileSource(files));
        if (model) assert.ok(Array.isArray(model.hosts));
        else assert.ok(diagnostics.some((d) => d.severity === 'error'), 'no model but no error');
        assertInside(diagnostics, files);
      }),
      RUNS,
    );
  });
});
