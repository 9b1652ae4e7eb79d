import { spawn } from 'node:child_process';
import { RemoteCommandError } from '../diag/errors.js';
import { tail } from '../diag/output-tail.js';

/** Runs local commands for the lab; failures become RemoteCommandError with host "localhost". */

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Label for errors. @default 'localhost' */
  host?: string;
}

export function run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error('run: empty argv');
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env, cwd: opts.cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** Like run, but a non-zero exit throws RemoteCommandError. */
export async function must(argv: string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(argv, opts);
  if (r.code !== 0) throw new RemoteCommandError(opts.host ?? 'localhost', argv.join(' '), r.code, tail(r.stderr || r.stdout, 15), r.signal ?? undefined);
  return r.stdout;
}

/** Unmounts `path`; when busy, detaches it (lazy: the kernel frees it when the last user goes). */
export async function unmount(path: string): Promise<void> {
  if ((await run(['umount', path])).code !== 0) await must(['umount', '--lazy', path]);
}
