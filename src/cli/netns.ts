import { spawn } from 'node:child_process';
import type { ClusterSpec } from '../cluster-spec/types.js';
import { listLabs } from '../lab/state.js';
import type { LabState } from '../lab/state.js';

/**
 * How a command reaches hosts that live in a network namespace (the lab's hosts are reachable only from its taskbox):
 * kubeha re-executes itself inside the namespace. This is the only lab-specific part of plan/apply, and it lives here,
 * in the CLI; the deploy logic never knows about the lab.
 */

const ENV_NETNS = 'KUBEHA_NETNS';
const ENV_PARENT = 'KUBEHA_PARENT_PID';

/** The lab (state `up`) whose hosts include every host of the spec, at the same addresses. */
export async function labForSpec(spec: ClusterSpec): Promise<LabState | undefined> {
  const labs = await listLabs().catch(() => []);
  return labs.find((l) => l.phase === 'up' && spec.hosts.every((h) => l.plan.hosts.some((lh) => lh.name === h.name && lh.address === h.address)));
}

/** The namespace this process already runs in (set by {@link reexecInNetns}). */
export const currentNetns = (): string | undefined => process.env[ENV_NETNS];

/**
 * Runs this same command again inside `netns` (`ip netns exec NS node …`), stdio inherited, and resolves to its exit code.
 * SIGINT/SIGTERM are forwarded; if this process is SIGKILLed the child notices (see {@link watchParent}) and dies too,
 * so that killing `kubeha apply` has the same effect with or without the hop.
 */
export function reexecInNetns(netns: string): Promise<number> {
  const argv = [...process.execArgv, ...process.argv.slice(1)];
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', netns, process.execPath, ...argv], {
      stdio: 'inherit',
      env: { ...process.env, [ENV_NETNS]: netns, [ENV_PARENT]: String(process.pid) },
    });
    const forward = (sig: NodeJS.Signals): void => void child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal === 'SIGINT' ? 130 : 1));
    });
  });
}

/** In a re-executed child: exit at once when the parent is gone (it was SIGKILLed). */
export function watchParent(): void {
  const parent = Number(process.env[ENV_PARENT]);
  if (!parent) return;
  const timer = setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL');
  }, 200);
  timer.unref();
}
