import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

/**
 * How bin/kubeha starts the CLI: the bundle `npm run build` makes (dist/cjs/main.cjs, scripts/bundle.ts: one file
 * instead of ~100 ES modules to resolve and compile), run with V8's code cache. On Node 20 (no
 * `module.enableCompileCache`) most of a short command's CPU is compiling JavaScript; the cache holds the code V8
 * compiled in an earlier run of the same command, so the next run skips that work.
 *
 * The cache is a file per command in `$XDG_CACHE_HOME/kubeha/v8` (default `~/.cache`), used only when that directory
 * and the file belong to this user and nobody else can write them (code cache is code). Its first line names the bundle
 * (size, mtime, inode) and node's version: any other build or node ignores it, and V8 rejects a cache that does not
 * fit its source or flags itself. No cache (no home, another owner, `KUBEHA_NO_CODE_CACHE=1`): the bundle runs without.
 * Without a bundle (only `tsc` ran), the ES modules of dist/ run as before.
 */

type RunMain = (argv: string[]) => Promise<void>;

const BUNDLE = fileURLToPath(new URL('../cjs/main.cjs', import.meta.url));
/** Command names a cache file may be named after; any other argument shares one file. */
const NAME = /^[a-z][a-z-]{0,20}$/;

function cacheDir(): string | undefined {
  if (process.env['KUBEHA_NO_CODE_CACHE'] === '1' || typeof process.getuid !== 'function') return undefined;
  const base = process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  const dir = join(base, 'kubeha', 'v8');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    return st.isDirectory() && st.uid === process.getuid() && (st.mode & 0o077) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}

function readCache(file: string, key: string): Buffer | undefined {
  try {
    const st = lstatSync(file);
    if (!st.isFile() || st.uid !== process.getuid?.() || (st.mode & 0o022) !== 0) return undefined;
    const data = readFileSync(file);
    const nl = data.indexOf(10);
    return nl > 0 && data.subarray(0, nl).toString() === key ? data.subarray(nl + 1) : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(file: string, key: string, data: Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, `${key}\n`);
      writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch {
    // A cache that cannot be written only costs the next run its compile time.
  }
}

function loadBundle(argv: readonly string[]): RunMain | undefined {
  let source: string;
  let key: string;
  try {
    const st = statSync(BUNDLE);
    source = readFileSync(BUNDLE, 'utf8');
    key = `kubeha-v8 ${st.size} ${st.mtimeMs} ${st.ino} ${process.version} ${process.arch}`;
  } catch {
    return undefined;
  }
  const dir = cacheDir();
  const command = argv.slice(2).find((a) => !a.startsWith('-'));
  const file = dir ? join(dir, `${command && NAME.test(command) ? command : 'other'}.v8`) : undefined;
  const cached = file ? readCache(file, key) : undefined;
  const script = new Script(Module.wrap(source), { filename: BUNDLE, ...(cached ? { cachedData: cached } : {}) });
  if (file && (!cached || script.cachedDataRejected === true))
    // At exit: by then V8 has compiled the functions this command ran, and the cache holds them too.
    process.once('exit', () => writeCache(file, key, script.createCachedData()));
  const mod = { exports: {} as { runMain?: RunMain } };
  (script.runInThisContext() as (...a: unknown[]) => void)(mod.exports, createRequire(BUNDLE), mod, BUNDLE, dirname(BUNDLE));
  return mod.exports.runMain;
}

export async function launch(argv: string[]): Promise<void> {
  const runMain = loadBundle(argv) ?? ((await import('./main.js')) as { runMain: RunMain }).runMain;
  await runMain(argv);
}
