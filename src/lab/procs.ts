import { readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { isSameProcess, type ProcessRef } from './state.js';

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

/** The container's PID 1: the child of nspawn that lives in another PID namespace. */
export function containerInit(nspawn: ProcessRef | undefined): number | undefined {
  if (!isSameProcess(nspawn)) return undefined;
  const mine = pidNs(nspawn.pid);
  return childrenOf(nspawn.pid).find((c) => pidNs(c) !== undefined && pidNs(c) !== mine);
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

/** Processes whose command line holds this exact argument (e.g. `--machine=demo-lb0`). */
export function pidsWithArg(arg: string): number[] {
  return allPids().filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(arg);
    } catch {
      return false;
    }
  });
}

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

/** Proportional set size of the processes, in bytes (each shared page counted once overall). */
export function pssBytes(pids: number[]): number {
  let kb = 0;
  for (const p of pids) {
    try {
      const m = /^Pss:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'));
      kb += Number(m?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return kb * 1024;
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
