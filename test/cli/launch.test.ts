import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * bin/kubeha runs the bundle with V8's code cache (src/cli/launch.ts): the cache is written once per command, reused,
 * ignored when it names another build or when its directory or file could be written by someone else, and a cache V8
 * rejects is replaced; the output never depends on it.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const BUNDLE = join(ROOT, 'dist/cjs/main.cjs');
const FIXTURE = join(ROOT, 'test/fixtures/seeds/seed-003');

describe('the launcher and its code cache', { skip: existsSync(BUNDLE) ? false : 'needs `npm run build` (dist/cjs/main.cjs)' }, () => {
  const base = mkdtempSync(join(tmpdir(), 'kubeha-launch-'));
  after(() => rmSync(base, { recursive: true, force: true }));
  let n = 0;
  const run = (args: string[], cacheHome: string, env: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [join(ROOT, 'bin/kubeha'), ...args], { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: cacheHome, KUBEHA_NO_CODE_CACHE: '', ...env }, timeout: 60_000 });
  const fresh = (): string => {
    const d = join(base, `c${n++}`);
    mkdirSync(d, { mode: 0o700 });
    return d;
  };
  const reference = run(['analyze', FIXTURE], fresh(), { KUBEHA_NO_CODE_CACHE: '1' });

  it('the first run of a command writes its cache (0600, first line names the bundle and node); the output is the same with and without', () => {
    const home = fresh();
    const r = run(['analyze', FIXTURE], home);
    assert.equal(r.status, reference.status, r.stderr);
    assert.equal(r.stdout, reference.stdout);
    assert.equal(r.stderr, reference.stderr);
    const file = join(home, 'kubeha/v8/analyze.v8');
    const st = statSync(file);
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(statSync(join(home, 'kubeha/v8')).mode & 0o777, 0o700);
    const key = readFileSync(file).subarray(0, readFileSync(file).indexOf(10)).toString();
    assert.match(key, new RegExp(`^kubeha-v8 ${statSync(BUNDLE).size} .* ${process.version} ${process.arch}$`));
    // A second run accepts it: nothing is rewritten.
    const before = readFileSync(file);
    const again = run(['analyze', FIXTURE], home);
    assert.equal(again.stdout, reference.stdout);
    assert.deepEqual(readFileSync(file), before);
    // Another command has its own file.
    assert.equal(run(['--version'], home).status, 0);
    assert.deepEqual(readdirSync(join(home, 'kubeha/v8')).sort(), ['analyze.v8', 'other.v8']);
  });

  it('a cache for another build is ignored and replaced; garbage V8 rejects is replaced; the output is unchanged', () => {
    const home = fresh();
    run(['analyze', FIXTURE], home);
    const file = join(home, 'kubeha/v8/analyze.v8');
    const good = readFileSync(file);
    const nl = good.indexOf(10);
    writeFileSync(file, Buffer.concat([Buffer.from('kubeha-v8 1 2 3 v0 x\n'), good.subarray(nl + 1)]), { mode: 0o600 });
    assert.equal(run(['analyze', FIXTURE], home).stdout, reference.stdout);
    assert.equal(readFileSync(file).subarray(0, nl).toString(), good.subarray(0, nl).toString(), 'the key was rewritten');
    writeFileSync(file, Buffer.concat([good.subarray(0, nl + 1), Buffer.alloc(4096, 7)]), { mode: 0o600 });
    const r = run(['analyze', FIXTURE], home);
    assert.equal(r.stdout, reference.stdout);
    assert.equal(r.status, reference.status);
    assert.ok(!readFileSync(file).subarray(nl + 1).equals(Buffer.alloc(4096, 7)), 'the rejected cache was replaced');
  });

  it('a cache directory or file others can write is never used nor written', () => {
    const home = fresh();
    mkdirSync(join(home, 'kubeha/v8'), { recursive: true });
    chmodSync(join(home, 'kubeha/v8'), 0o777);
    assert.equal(run(['analyze', FIXTURE], home).stdout, reference.stdout);
    assert.deepEqual(readdirSync(join(home, 'kubeha/v8')), []);
    chmodSync(join(home, 'kubeha/v8'), 0o700);
    run(['analyze', FIXTURE], home);
    const file = join(home, 'kubeha/v8/analyze.v8');
    chmodSync(file, 0o666);
    const before = readFileSync(file);
    // Unusable, so the run writes a fresh one in its place (0600 again).
    assert.equal(run(['analyze', FIXTURE], home).stdout, reference.stdout);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(before.length > 0 && readFileSync(file).length > 0);
  });

  it('KUBEHA_NO_CODE_CACHE=1 writes nothing', () => {
    const home = fresh();
    assert.equal(run(['analyze', FIXTURE], home, { KUBEHA_NO_CODE_CACHE: '1' }).stdout, reference.stdout);
    assert.equal(existsSync(join(home, 'kubeha')), false);
  });
});
