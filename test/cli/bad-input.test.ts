import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * The bad-input corpus (test/fixtures/bad-input/manifest.yaml): each case runs the CLI from source and
 * must exit 2 with `<path>:<line>:<col>: error[<CODE>]: <message>` first on stderr, a caret excerpt
 * (unless `excerpt: false`), a `= hint:` line, and no stack trace. Generic: any command, `{fixture}`
 * in args is replaced by the fixture's path.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIR = 'test/fixtures/bad-input';

interface Case {
  name: string;
  args: string[];
  fixture: string;
  code: string;
  /** @default true */
  excerpt?: boolean;
  /** @default 2 */
  exit?: number;
  /** Text the first line must contain (the message says what is wrong, not just where). */
  message?: string;
  /** Text the hint of the first diagnostic must contain. */
  hint?: string;
  /** At most this many diagnostics on stderr (one mistake, one diagnostic). */
  maxDiagnostics?: number;
}

const manifest = parse(readFileSync(join(ROOT, DIR, 'manifest.yaml'), 'utf8')) as { cases: Case[] };

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * The built CLI (bin/kubeha) when dist/ is newer than every source file: twice as fast to start as tsx,
 * which matters for dozens of processes on a shared machine. Otherwise (or with KUBEHA_TEST_FROM_SOURCE=1)
 * the sources through tsx.
 */
const DIST_MAIN = join(ROOT, 'dist', 'cli', 'main.js');
const fromDist = !process.env['KUBEHA_TEST_FROM_SOURCE'] && existsSync(DIST_MAIN) && statSync(DIST_MAIN).mtimeMs >= newestMtime(join(ROOT, 'src'));
const CLI = fromDist ? ['bin/kubeha'] : ['--import', 'tsx', 'src/cli/entry.ts'];

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...CLI, ...args], { cwd: ROOT, env: { ...process.env, KUBEHA_DEBUG: '' } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('bad-input corpus', { concurrency: 2 }, () => {
  it(`runs the CLI from ${fromDist ? 'dist/ (fresh)' : 'source (tsx)'}`, () => {
    assert.ok(CLI.length > 0);
  });

  it('has at least 30 cases with unique names', () => {
    assert.ok(manifest.cases.length >= 30, `only ${manifest.cases.length} cases`);
    assert.equal(new Set(manifest.cases.map((c) => c.name)).size, manifest.cases.length);
  });

  for (const c of manifest.cases) {
    it(`${c.name} → ${c.code}`, async () => {
      const path = `${DIR}/${c.fixture}`;
      const { code, stderr } = await run(c.args.map((a) => a.split('{fixture}').join(path)));
      assert.equal(code, c.exit ?? 2, `exit code; stderr:\n${stderr}`);
      assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
      assert.doesNotMatch(stderr, /internal error/);
      const lines = stderr.split('\n');
      const head = new RegExp(`^${escape(path)}:\\d+:\\d+: error\\[${escape(c.code)}\\]: .+`);
      assert.match(lines[0] ?? '', head, `first line of stderr:\n${stderr}`);
      // The first diagnostic's block: up to the next `path:line:col:` header.
      const next = lines.findIndex((l, i) => i > 0 && /^\S+:\d+:\d+: (error|warning|info)\[/.test(l));
      const block = lines.slice(1, next < 0 ? undefined : next);
      if (c.excerpt !== false) {
        assert.match(block[0] ?? '', /^ +\|$/, `excerpt gutter:\n${stderr}`);
        assert.match(block[1] ?? '', /^\d+ \| /, `excerpt line:\n${stderr}`);
        assert.match(block[2] ?? '', /^ +\| *\^+$/, `caret line:\n${stderr}`);
      }
      assert.ok(
        block.some((l) => /^ {2}= hint: \S/.test(l)),
        `hint line:\n${stderr}`,
      );
      if (c.message !== undefined) assert.ok((lines[0] ?? '').includes(c.message), `message should contain ${JSON.stringify(c.message)}:\n${stderr}`);
      if (c.hint !== undefined) assert.ok(block.some((l) => l.startsWith('  = hint: ') && l.includes(c.hint ?? '')), `hint should contain ${JSON.stringify(c.hint)}:\n${stderr}`);
      if (c.maxDiagnostics !== undefined) {
        const n = lines.filter((l) => /^\S+:\d+:\d+: error\[/.test(l)).length;
        assert.ok(n <= c.maxDiagnostics, `${n} error diagnostics, at most ${c.maxDiagnostics} expected:\n${stderr}`);
      }
    });
  }
});
