import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, closeSync, createWriteStream, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The hostile corpus (test/fixtures/hostile/README.md): every case runs the CLI as a child process under a watchdog
 * (30 s wall, 2.5 GB address space) and must exit as expected with no internal error, no stack trace, no listed
 * secret in its output or written files, nothing changed outside its `out/` directory, and at most 5 s of CPU
 * (user + system of the child, measured by the shell that runs it, so machine load does not count).
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CORPUS = join(ROOT, 'test/fixtures/hostile');
const WALL_MS = 30_000;
const ADDRESS_SPACE_KIB = 2_621_440; // 2.5 GiB
const MAX_CPU_SECONDS = 5;

interface Cmd {
  argv: string[];
  stdin?: string;
  fifo?: string;
  /** A FIFO that nobody ever opens for writing: kubeha must give up on it (its idle bound), not wait for ever. */
  silentFifo?: string;
}

interface Expect {
  exit: number;
  stdoutMustNotContain?: string[];
  stderrMustNotContain?: string[];
  filesMustNotContain?: string[];
  stderrMustContain?: string[];
  stdoutMustContain?: string[];
  maxCpuSeconds?: number;
  /** Repeated diagnostics are capped: stderr stays under this size. */
  maxStderrBytes?: number;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const DIST_MAIN = join(ROOT, 'dist', 'cli', 'main.js');
const fromDist = !process.env['KUBEHA_TEST_FROM_SOURCE'] && existsSync(DIST_MAIN) && statSync(DIST_MAIN).mtimeMs >= newestMtime(join(ROOT, 'src'));
const CLI = fromDist ? [join(ROOT, 'bin/kubeha')] : ['--import', 'tsx', join(ROOT, 'src/cli/entry.ts')];

function listCases(): { name: string; dir: string }[] {
  const out: { name: string; dir: string }[] = [];
  for (const area of readdirSync(CORPUS, { withFileTypes: true })) {
    if (!area.isDirectory()) continue;
    for (const c of readdirSync(join(CORPUS, area.name), { withFileTypes: true })) {
      if (c.isDirectory()) out.push({ name: `${area.name}/${c.name}`, dir: join(CORPUS, area.name, c.name) });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** path → kind and content hash of everything under dir except `out/`. */
function snapshot(dir: string, skip: string): Map<string, string> {
  const m = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const rel = relative(dir, p);
      if (rel === skip || rel.startsWith(`${skip}/`)) continue;
      const st = lstatSync(p);
      if (st.isSymbolicLink()) m.set(rel, `link:${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        m.set(rel, `dir:${(st.mode & 0o7777).toString(8)}`);
        walk(p);
      } else if (st.isFile()) m.set(rel, `file:${(st.mode & 0o7777).toString(8)}:${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
      else m.set(rel, `other:${st.mode.toString(8)}`);
    }
  };
  walk(dir);
  return m;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out;
}

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stderrBytes: number;
  cpuSeconds: number;
  timedOut: boolean;
}

/**
 * Runs the CLI in `cwd` through bash: `ulimit -v` bounds the address space, and bash's `times` (written to fd 3)
 * gives the CPU time of its finished children.
 */
function runCase(cwd: string, cmd: Cmd): Promise<RunResult> {
  return new Promise((resolve) => {
    const script = `ulimit -v ${ADDRESS_SPACE_KIB}; "$@"; rc=$?; times >&3; exit $rc`;
    let stdinFd: number | 'ignore' | 'pipe' = 'pipe';
    if (cmd.stdin !== undefined) stdinFd = openSync(cmd.stdin.startsWith('/') ? cmd.stdin : join(cwd, cmd.stdin), 'r');
    const child = spawn('bash', ['-c', script, 'kubeha', process.execPath, ...CLI, ...cmd.argv], {
      cwd,
      env: { ...process.env, KUBEHA_DEBUG: '', NO_COLOR: '1' },
      stdio: [stdinFd, 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    if (typeof stdinFd === 'number') closeSync(stdinFd);
    else child.stdin?.end();
    let feeder: ReturnType<typeof createWriteStream> | undefined;
    if (cmd.fifo !== undefined) {
      // Opening a FIFO for writing blocks until a reader opens it: a stream opens it asynchronously.
      feeder = createWriteStream(join(cwd, cmd.fifo));
      const zeros = Buffer.alloc(1 << 16);
      const pump = (): void => {
        while (feeder && !feeder.destroyed && feeder.write(zeros));
      };
      feeder.on('drain', pump);
      feeder.on('open', pump);
      feeder.on('error', () => undefined);
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const times: Buffer[] = [];
    let outSize = 0;
    child.stdout?.on('data', (b: Buffer) => {
      outSize += b.length;
      if (outSize < 8 << 20) out.push(b);
    });
    let errSize = 0;
    child.stderr?.on('data', (b: Buffer) => {
      errSize += b.length;
      if (errSize < 8 << 20) err.push(b);
    });
    (child.stdio[3] as NodeJS.ReadableStream | null)?.on('data', (b: Buffer) => times.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }, WALL_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      feeder?.destroy();
      // `times` prints the shell's own times, then its children's: "0m1.234s 0m0.056s".
      const lines = Buffer.concat(times).toString('utf8').trim().split('\n');
      const secs = (lines[1] ?? '').match(/(\d+)m([\d.]+)s/g) ?? [];
      const cpuSeconds = secs.reduce((n, t) => {
        const m = /(\d+)m([\d.]+)s/.exec(t);
        return n + (m ? Number(m[1]) * 60 + Number(m[2]) : 0);
      }, 0);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), stderrBytes: errSize, cpuSeconds, timedOut });
    });
  });
}

const cases = listCases();

describe('hostile corpus', { concurrency: 2 }, () => {
  it(`runs the CLI from ${fromDist ? 'dist/ (fresh)' : 'source (tsx)'}`, () => {
    assert.ok(CLI.length > 0);
  });

  it('has at least 40 cases', () => {
    assert.ok(cases.length >= 40, `only ${cases.length} cases`);
  });

  for (const c of cases) {
    it(c.name, async (t) => {
      const cmd = JSON.parse(readFileSync(join(c.dir, 'cmd.json'), 'utf8')) as Cmd;
      const expect = JSON.parse(readFileSync(join(c.dir, 'expect.json'), 'utf8')) as Expect;
      // The case runs in base/case; base also holds a bystander file that must survive untouched.
      const base = mkdtempSync(join(tmpdir(), 'kubeha-hostile-'));
      const work = join(base, 'case');
      try {
        writeFileSync(join(base, 'bystander.txt'), 'not yours\n');
        cpSync(c.dir, work, { recursive: true });
        // An area's own files (not case directories) are helpers its cases' gen.mjs share: `import '../helper.mjs'`.
        const areaDir = dirname(c.dir);
        for (const e of readdirSync(areaDir, { withFileTypes: true })) if (e.isFile()) cpSync(join(areaDir, e.name), join(base, e.name));
        if (existsSync(join(work, 'gen.mjs'))) {
          const g = spawnSync(process.execPath, ['gen.mjs'], { cwd: work, encoding: 'utf8' });
          assert.equal(g.status, 0, `gen.mjs failed: ${g.stderr}`);
        }
        for (const f of [cmd.fifo, cmd.silentFifo]) if (f !== undefined) assert.equal(spawnSync('mkfifo', [join(work, f)]).status, 0, 'mkfifo');
        const before = snapshot(base, 'case/out');
        const r = await runCase(work, cmd);
        const show = `exit ${r.code} signal ${r.signal}\nstdout:\n${r.stdout.slice(0, 3000)}\nstderr:\n${r.stderr.slice(0, 3000)}`;
        assert.equal(r.timedOut, false, `watchdog: over ${WALL_MS / 1000} s wall\n${show}`);
        assert.equal(r.code, expect.exit, `exit code\n${show}`);
        assert.doesNotMatch(r.stderr, /internal error/i, show);
        assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at .*(\.[jt]s:\d+|node:internal)/, `stack trace\n${show}`);
        assert.doesNotMatch(r.stderr, /JavaScript heap out of memory|Maximum call stack/, show);
        for (const s of expect.stdoutMustNotContain ?? []) assert.ok(!r.stdout.includes(s), `stdout contains ${JSON.stringify(s)}\n${show}`);
        for (const s of expect.stderrMustNotContain ?? []) assert.ok(!r.stderr.includes(s), `stderr contains ${JSON.stringify(s)}\n${show}`);
        for (const s of expect.stderrMustContain ?? []) assert.ok(r.stderr.toLowerCase().includes(s.toLowerCase()), `stderr lacks ${JSON.stringify(s)}\n${show}`);
        for (const s of expect.stdoutMustContain ?? []) assert.ok(r.stdout.toLowerCase().includes(s.toLowerCase()), `stdout lacks ${JSON.stringify(s)}\n${show}`);
        if (expect.maxStderrBytes !== undefined) assert.ok(r.stderrBytes <= expect.maxStderrBytes, `${r.stderrBytes} bytes on stderr, at most ${expect.maxStderrBytes}`);
        for (const f of filesUnder(join(work, 'out'))) {
          const text = readFileSync(f, 'latin1');
          for (const s of expect.filesMustNotContain ?? []) assert.ok(!text.includes(s), `${relative(work, f)} contains ${JSON.stringify(s)}`);
        }
        const after = snapshot(base, 'case/out');
        const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k));
        assert.deepEqual(changed, [], 'paths changed outside out/');
        t.diagnostic(`cpu ${r.cpuSeconds.toFixed(2)} s`);
        const limit = Math.min(expect.maxCpuSeconds ?? MAX_CPU_SECONDS, MAX_CPU_SECONDS);
        assert.ok(r.cpuSeconds <= limit, `${r.cpuSeconds.toFixed(2)} s of CPU, limit ${limit} s\n${show}`);
      } finally {
        rmSync(base, { recursive: true, force: true });
      }
    });
  }
});
