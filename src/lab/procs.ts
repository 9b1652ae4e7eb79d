import { readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { isSameProcess, processStart, type ProcessRef } from './state.js';

/** Finding and signalling lab processes, always by PID (never by name). */

export function allPids(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

/** Processes inside the network namespace with this identity (from netnsIdentity). */
export function pidsInNetns(identity: string): number[] {
  return allPids().filter((pid) => {
    try {
      const s = statSync(`/proc/${pid}/ns/net`);
      return `${s.dev}:${s.ino}` === identity;
    } catch {
      return false;
    }
  });
}

/** Children of a process (all its threads). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // gone
  }
  return out;
}

/**
 * The container's PID 1: the child of nspawn that lives in another PID namespace. The recorded process is the
 * host's supervisor (the shell that runs nspawn, again when the host reboots) or, in labs made before it, nspawn.
 */
export function containerInit(ref: ProcessRef | undefined): number | undefined {
  if (!isSameProcess(ref)) return undefined;
  const mine = pidNs(ref.pid);
  const search = (pid: number, depth: number): number | undefined => {
    for (const c of childrenOf(pid)) {
      const ns = pidNs(c);
      if (ns !== undefined && ns !== mine) return c;
      const below = depth > 0 ? search(c, depth - 1) : undefined;
      if (below !== undefined) return below;
    }
    return undefined;
  };
  return search(ref.pid, 1);
}

export function pidNs(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

/** Every process of the container whose PID 1 is `init`. */
export function containerPids(init: number): number[] {
  const ns = pidNs(init);
  if (!ns) return [];
  return allPids().filter((p) => pidNs(p) === ns);
}

/** Processes (other than this one) whose root or working directory is at or below `path`, or whose command line names a path there. */
export function pidsUsing(path: string): number[] {
  const under = (p: string): boolean => p === path || p.startsWith(`${path}/`);
  return allPids().filter((pid) => {
    if (pid === process.pid) return false;
    try {
      if (under(readlinkSync(`/proc/${pid}/root`)) || under(readlinkSync(`/proc/${pid}/cwd`))) return true;
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').some((a) => under(a) || a.includes(`${path}/`));
    } catch {
      return false;
    }
  });
}

/** Processes with an argument that satisfies `match`. */
function pidsWhereArg(match: (arg: string) => boolean): number[] {
  return allPids().filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').some(match);
    } catch {
      return false;
    }
  });
}

/** Processes whose command line holds this exact argument (e.g. `--machine=demo.lb0`). */
export const pidsWithArg = (arg: string): number[] => pidsWhereArg((a) => a === arg);

/** Processes with an argument starting with `prefix` (e.g. `--machine=demo.`: every host of lab demo). */
export const pidsWithArgPrefix = (prefix: string): number[] => pidsWhereArg((a) => a.startsWith(prefix));

export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie is dead for our purposes.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export async function waitGone(pids: number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (pids.every((p) => !isAlive(p))) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** References (PID and start time) to the processes that exist now. */
export function refsOf(pids: number[]): ProcessRef[] {
  return pids.flatMap((pid) => {
    const start = processStart(pid);
    return start === undefined ? [] : [{ pid, start }];
  });
}

/**
 * Waits until none of the processes has a /proc entry any more, zombies included: a lab's hosts are orphans,
 * reaped by this machine's PID 1, and a PID 1 that reaps lazily left them listed by `ps` as `<defunct>` for about
 * 3 s after `lab down` returned (seen on a firecracker VM). A PID reused since then does not count.
 */
export async function waitReaped(refs: ProcessRef[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!refs.some((r) => processStart(r.pid) === r.start)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Memory {
  /** Proportional set size: each shared page split between the processes that map it. */
  pss: number;
  rss: number;
  /** Unique set size: pages only these processes map (Private_Clean + Private_Dirty). */
  uss: number;
}

/** Memory of the processes, in bytes, from /proc/<pid>/smaps_rollup. */
export function memoryOf(pids: number[]): Memory {
  const m: Memory = { pss: 0, rss: 0, uss: 0 };
  for (const p of pids) {
    try {
      const text = readFileSync(`/proc/${p}/smaps_rollup`, 'utf8');
      const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
      m.pss += kb('Pss');
      m.rss += kb('Rss');
      m.uss += kb('Private_Clean') + kb('Private_Dirty');
    } catch {
      // gone
    }
  }
  return m;
}

/** Process state letter (R, S, T for stopped, …). */
export function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}
