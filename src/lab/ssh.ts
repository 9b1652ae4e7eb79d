import { spawn } from 'node:child_process';
import type { LabHostPlan, LabPlan } from './plan.js';
import { run, type RunResult } from './run.js';
import { taskboxArgv } from './taskbox.js';

/**
 * OpenSSH to lab hosts, from inside the taskbox namespace, with the lab's key and strict host-key checking
 * against the lab's known_hosts (written when each host was created). Never StrictHostKeyChecking=no.
 */

export function sshOptions(plan: Pick<LabPlan, 'keyFile' | 'knownHostsFile'>, connectTimeoutS = 5): string[] {
  return [
    '-F', '/dev/null',
    '-i', plan.keyFile,
    '-o', 'IdentitiesOnly=yes',
    '-o', `UserKnownHostsFile=${plan.knownHostsFile}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'BatchMode=yes',
    '-o', `ConnectTimeout=${connectTimeoutS}`,
    '-o', 'LogLevel=ERROR',
  ];
}

/** argv of `ssh` to a lab host, run in the taskbox; `command` empty gives an interactive shell. */
export function sshArgv(plan: Pick<LabPlan, 'keyFile' | 'knownHostsFile' | 'taskbox'>, h: Pick<LabHostPlan, 'address'>, command: string[] = [], tty = false, connectTimeoutS = 5): string[] {
  return taskboxArgv(plan, ['ssh', ...sshOptions(plan, connectTimeoutS), ...(tty ? ['-t'] : []), `root@${h.address}`, ...(command.length ? ['--', ...command] : [])]);
}

export function sshRun(plan: LabPlan, h: LabHostPlan, command: string, timeoutMs = 30_000): Promise<RunResult> {
  return run(sshArgv(plan, h, [command], false, Math.max(1, Math.ceil(timeoutMs / 1000))), { timeoutMs, host: h.name });
}

/** Waits until SSH to the host works (sshd up, key accepted, host key verified). */
export async function waitForSsh(plan: LabPlan, h: LabHostPlan, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // Generous: on a busy machine a login can take seconds, and a probe killed half-way is work thrown away.
    const r = await run(sshArgv(plan, h, ['true'], false, 2), { timeoutMs: 10_000 });
    if (r.code === 0) return true;
    // A host-key mismatch will not fix itself: stop at once.
    if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/.test(r.stderr)) return false;
    await new Promise((res) => setTimeout(res, 150));
  }
  return false;
}

/**
 * One process in the taskbox that connects to port 22 of each address until sshd sends its banner, and prints the
 * address then. A refused connection costs the kernel only, where a full `ssh` probe (a process, a key exchange)
 * costs ~50 ms of CPU: eight hosts polled with ssh while they boot took seconds of the machine's two cores.
 * A connection that the socket unit accepts early waits in its backlog until sshd takes it.
 */
const BANNER_SCRIPT = `const net = require('node:net');
const done = new Set();
function probe(a) {
  const s = net.connect({ host: a, port: 22 });
  s.setTimeout(5000, () => s.destroy());
  s.on('data', (d) => { if (!done.has(a) && d.toString('latin1').startsWith('SSH-')) { done.add(a); process.stdout.write(a + '\\n'); } s.destroy(); });
  s.on('error', () => undefined);
  s.on('close', () => { if (!done.has(a)) setTimeout(() => probe(a), 50); });
}
// Ends by itself, also when the lab up that started it was killed.
setTimeout(() => process.exit(0), Number(process.argv[1])).unref();
for (const a of process.argv.slice(2)) probe(a);`;

export interface BannerWatch {
  /** Resolves true when the address's sshd sent its banner, false when the watch ended first. */
  ready(address: string): Promise<boolean>;
  stop(): void;
}

/** Watches for sshd's banner on every address (see BANNER_SCRIPT); ends by itself after `timeoutMs`. */
export function watchBanners(plan: Pick<LabPlan, 'taskbox'>, addresses: string[], timeoutMs: number): BannerWatch {
  const waiters = new Map<string, { promise: Promise<boolean>; resolve: (ok: boolean) => void }>();
  for (const a of addresses) {
    let resolve: (ok: boolean) => void = () => undefined;
    const promise = new Promise<boolean>((r) => (resolve = r));
    waiters.set(a, { promise, resolve });
  }
  const end = (): void => {
    for (const w of waiters.values()) w.resolve(false);
  };
  const [cmd = 'ip', ...args] = taskboxArgv(plan, [process.execPath, '-e', BANNER_SCRIPT, String(timeoutMs), ...addresses]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    buffered += d;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const l of lines) waiters.get(l.trim())?.resolve(true);
  });
  child.on('error', end);
  child.on('close', end);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return {
    ready: (address) => waiters.get(address)?.promise ?? Promise.resolve(false),
    stop: () => {
      clearTimeout(timer);
      child.kill('SIGKILL');
    },
  };
}
