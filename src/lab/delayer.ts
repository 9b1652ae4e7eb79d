import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnvironmentError } from '../diag/errors.js';
import { cacheRoot } from './cache.js';
import type { LabHostPlan } from './plan.js';
import { isAlive, signal, waitGone } from './procs.js';
import { run } from './run.js';
import { isSameProcess, processStart, writeState, type LabState, type ProcessRef } from './state.js';

/**
 * The `delay` fault on kernels without netem: a small Go program (scripts/delayer/main.go, standard library only) holds
 * every packet of an NFQUEUE for the delay, then lets it go. iptables rules (`-j NFQUEUE --queue-bypass`, in the mangle
 * table) send the packets the host receives (PREROUTING) and sends (POSTROUTING) on its lab NIC to that queue, in the
 * host's own namespace only, never the root namespace. The delayer runs inside that namespace (`ip netns exec`), its
 * PID is in the lab state (`delayers`), and `clear`/`lab down` end it by PID. If it dies, `--queue-bypass` lets packets
 * through undelayed (fail-open).
 */

/** The queue number in each host's namespace (queues are per network namespace, so every host can use the same). */
export const DELAY_QUEUE = 4721;
/** The rules' comment: how `clear` finds kubeha's rules (and only those). */
export const DELAY_COMMENT = 'kubeha-delay';

export const DELAYER_SOURCE = fileURLToPath(new URL('../../scripts/delayer/main.go', import.meta.url));
export const DELAYER_SCRIPT = fileURLToPath(new URL('../../scripts/delayer.sh', import.meta.url));

export interface DelayerRef extends ProcessRef {
  ms: number;
}

/** Cache directory name of a build of this source: `delayer-<first 16 hex of its sha256>` (as scripts/delayer.sh names it). */
export const delayerDirName = (source: Buffer | string): string => `delayer-${createHash('sha256').update(source).digest('hex').slice(0, 16)}`;

/** The iptables rules (argument lists after `-t mangle -A|-D`) that queue a host's traffic on its NIC (pure). */
export function delayRules(ifname: string, queue = DELAY_QUEUE): string[][] {
  const tail = ['-m', 'comment', '--comment', DELAY_COMMENT, '-j', 'NFQUEUE', '--queue-num', String(queue), '--queue-bypass'];
  return [
    ['PREROUTING', '-i', ifname, ...tail],
    ['POSTROUTING', '-o', ifname, ...tail],
  ];
}

/** The delayer binary: from the cache, else built now by scripts/delayer.sh with the machine's Go. */
export async function ensureDelayer(host: string): Promise<string> {
  const bin = join(cacheRoot(), delayerDirName(readFileSync(DELAYER_SOURCE)), 'delayer');
  if (existsSync(bin)) return bin;
  const r = await run(['bash', DELAYER_SCRIPT], { env: { ...process.env, KUBEHA_CACHE: cacheRoot() } });
  if (r.code === 5) throw new EnvironmentError('this kernel has no netem and there is no Go toolchain to build the packet delayer that replaces it', 'install Go (https://go.dev/dl) or use a kernel with sch_netem', host);
  if (r.code !== 0 || !existsSync(bin)) throw new EnvironmentError(`building the packet delayer failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`, `run \`bash ${DELAYER_SCRIPT}\` to see the whole output`, host);
  return bin;
}

async function iptables(h: LabHostPlan, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  try {
    return await run(['ip', 'netns', 'exec', h.netns, 'iptables', '-w', '5', '-t', 'mangle', ...args]);
  } catch (e) {
    return { code: 127, stdout: '', stderr: (e as Error).message };
  }
}

/** Removes kubeha's delay rules from the host's namespace (each rule as many times as it is there); absent is fine. */
async function dropRules(h: LabHostPlan): Promise<void> {
  // Listing creates nothing (a delete could leave an empty mangle table behind in a namespace that had none).
  const listed = await iptables(h, ['-S']);
  if (listed.code !== 0 || !listed.stdout.includes(DELAY_COMMENT)) return;
  for (const rule of delayRules(h.ifname)) {
    for (let i = 0; i < 8; i++) if ((await iptables(h, ['-D', ...rule])).code !== 0) break;
  }
}

/** Ends the host's delayer (SIGTERM: it lets held packets go; SIGKILL after 3 s) and removes its rules. */
export async function stopDelayer(state: LabState, h: LabHostPlan): Promise<boolean> {
  await dropRules(h);
  const ref = state.delayers?.[h.name];
  if (!ref) return false;
  if (isSameProcess(ref)) {
    signal(ref.pid, 'SIGTERM');
    if (!(await waitGone([ref.pid], 3000))) signal(ref.pid, 'SIGKILL');
    await waitGone([ref.pid], 3000);
  }
  delete state.delayers?.[h.name];
  await writeState(state);
  return true;
}

/** PIDs of the lab's live delayers (the host's own processes do not include them: a power cut leaves the link as it was). */
export function delayerPids(state: LabState): number[] {
  return Object.values(state.delayers ?? {}).flatMap((r) => (r && isSameProcess(r) ? [r.pid] : []));
}

/**
 * Delays every packet on the host's link by `ms` each way: a delayer in the host's namespace, then the rules (so no
 * packet is queued before something holds the queue). Replaces an earlier delay.
 */
export async function startDelayer(state: LabState, h: LabHostPlan, ms: number): Promise<void> {
  const bin = await ensureDelayer(h.name);
  await stopDelayer(state, h);
  const log = join(state.plan.dir, `delayer-${h.name}.log`);
  const fd = openSync(log, 'w', 0o600);
  let child;
  try {
    child = spawn('ip', ['netns', 'exec', h.netns, bin, '-queue', String(DELAY_QUEUE), '-delay', `${ms}ms`], { detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  child.unref();
  if (pid === undefined) throw new EnvironmentError('could not start the packet delayer', 'is iproute2 installed?', h.name);
  // `ip netns exec` execs the program in place: the PID is the delayer's. Ready once it says so.
  const deadline = Date.now() + 10_000;
  let text = '';
  while (Date.now() < deadline) {
    text = readFileSync(log, 'utf8');
    if (text.includes('ready') || !isAlive(pid)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const start = processStart(pid);
  if (!text.includes('ready') || start === undefined) {
    if (isAlive(pid)) signal(pid, 'SIGKILL');
    throw new EnvironmentError(`the packet delayer did not start: ${text.trim().split('\n').at(-1) ?? 'no output'}`, `see ${log}`, h.name);
  }
  state.delayers = { ...state.delayers, [h.name]: { pid, start, ms } };
  await writeState(state);
  for (const rule of delayRules(h.ifname)) {
    const r = await iptables(h, ['-A', ...rule]);
    if (r.code !== 0) {
      await stopDelayer(state, h);
      if (r.code === 127 || /exec of "iptables" failed|not found/i.test(r.stderr)) throw new EnvironmentError('iptables is not installed on this machine (the delay fault without netem needs it)', 'install it: apt-get install iptables', h.name);
      throw new EnvironmentError(`iptables in ${h.netns} failed: ${r.stderr.trim().split('\n').at(-1) ?? ''}`, 'the kernel needs xt_NFQUEUE (CONFIG_NETFILTER_XT_TARGET_NFQUEUE) and nfnetlink_queue', h.name);
    }
  }
}
