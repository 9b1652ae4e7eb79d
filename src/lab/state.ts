import { readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { EnvironmentError } from '../diag/errors.js';
import { DEFAULT_STATE_ROOT, type LabPlan } from './plan.js';

/**
 * A lab's state on disk, `<root>/<lab>/state.json`, written BEFORE each thing is created: so that
 * `lab down` can remove everything even when the process that made the lab was killed with SIGKILL.
 */

export interface ProcessRef {
  pid: number;
  /** Start time of the process (clock ticks since boot, /proc/<pid>/stat field 22): guards against PID reuse. */
  start: string;
}

export interface LabState {
  version: 1;
  plan: LabPlan;
  baseRootfs: string;
  createdAt: string;
  /** PID of the `kubeha lab up` that made it. */
  creator: number;
  phase: 'creating' | 'up';
  /** nspawn process of each running host. */
  processes: Record<string, ProcessRef | undefined>;
  /** Packet delayer of each host whose link is delayed without netem (src/lab/delayer.ts), with its delay. */
  delayers?: Record<string, (ProcessRef & { ms: number }) | undefined>;
}

export function labsRoot(): string {
  return process.env['KUBEHA_LAB_ROOT'] ?? DEFAULT_STATE_ROOT;
}

export const stateFileOf = (lab: string): string => join(labsRoot(), lab, 'state.json');

/** The lab's state; undefined when there is none; EnvironmentError when the file is damaged (not JSON). */
export async function readState(lab: string): Promise<LabState | undefined> {
  let text: string;
  try {
    text = await readFile(stateFileOf(lab), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    return JSON.parse(text) as LabState;
  } catch (e) {
    throw new EnvironmentError(`the state of lab "${lab}" (${stateFileOf(lab)}) is damaged: ${(e as Error).message}`, `\`kubeha lab down --name ${lab}\` removes what it can find of the lab by its names`);
  }
}

/** Atomic: a reader never sees half a file, even after a SIGKILL in the middle. */
export async function writeState(state: LabState): Promise<void> {
  const file = state.plan.stateFile;
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, file);
}

export async function listLabs(): Promise<LabState[]> {
  let names: string[];
  try {
    names = await readdir(labsRoot());
  } catch {
    return [];
  }
  const out: LabState[] = [];
  for (const n of names.sort()) {
    const s = await readState(n).catch(() => undefined);
    if (s) out.push(s);
  }
  return out;
}

/** Start time of a live process, or undefined when it is gone. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may hold spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

/** Whether the recorded process is still the one we started (same PID and start time). */
export function isSameProcess(ref: ProcessRef | undefined): ref is ProcessRef {
  return ref !== undefined && processStart(ref.pid) === ref.start;
}
