import { spawn } from 'node:child_process';
import type { LabPlan } from './plan.js';

/**
 * The taskbox: the operator's seat inside the lab, a network namespace on the lab bridge with its own address.
 * Anything that talks to lab hosts (ssh, the apply engine's ssh2 client, curl to the VIP) runs in there,
 * because the root namespace has no route to the lab at all.
 *
 * How apply reaches lab hosts: `kubeha lab status --output json` gives `taskbox.netns`, `keyFile` and
 * `knownHostsFile`; run the client under `taskboxArgv(plan, argv)` (e.g. a node process using ssh2 with that key,
 * verifying host keys against that known_hosts file).
 */

/** argv that runs `argv` inside the taskbox namespace. */
export function taskboxArgv(plan: Pick<LabPlan, 'taskbox'>, argv: string[]): string[] {
  return ['ip', 'netns', 'exec', plan.taskbox.netns, ...argv];
}

/** Runs `argv` with inherited stdio; resolves to its exit code (128+n when killed by signal n, as a shell says). */
export function runInherited(argv: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = argv;
    const child = spawn(cmd ?? 'false', args, { stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code, sig) => resolve(code ?? (sig ? 128 + signalNumber(sig) : 1)));
  });
}

/** Runs `argv` in the taskbox with inherited stdio; resolves to its exit code (128+n when killed by signal n). */
export function execInTaskbox(plan: Pick<LabPlan, 'taskbox'>, argv: string[]): Promise<number> {
  return runInherited(taskboxArgv(plan, argv));
}

function signalNumber(sig: NodeJS.Signals): number {
  const table: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };
  return table[sig] ?? 0;
}
