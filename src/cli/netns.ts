import { spawn } from 'node:child_process';

/**
 * How a command reaches hosts that live in a network namespace (the lab's hosts are reachable only from its taskbox):
 * kubeha re-executes itself inside the namespace. The lab a spec's hosts belong to is found by `labForSpec`
 * (src/ops/session.ts); the deploy logic never knows about the lab.
 */

const ENV_NETNS = 'KUBEHA_NETNS';
const ENV_PARENT = 'KUBEHA_PARENT_PID';
const ENV_STARTED_AT = 'KUBEHA_STARTED_AT';

/** When the command started (epoch ms): this process's start, or the start of the process that re-executed it. */
export function commandStartedAt(): number {
  const inherited = Number(process.env[ENV_STARTED_AT]);
  return Number.isFinite(inherited) && inherited > 0 ? inherited : Math.round(performance.timeOrigin);
}

/** The namespace this process already runs in (set by {@link reexecInNetns}). */
export const currentNetns = (): string | undefined => process.env[ENV_NETNS];

/**
 * Runs this same command again inside `netns` (`ip netns exec NS node …`), with `extraArgs` added (what the outer
 * process resolved for it, e.g. `--bundle DIR`), stdio inherited, and resolves to its exit code.
 * SIGINT/SIGTERM are forwarded; if this process is SIGKILLed the child notices (see {@link watchParent}) and dies too,
 * so that killing `kubeha apply` has the same effect with or without the hop.
 */
export function reexecInNetns(netns: string, extraArgs: readonly string[] = []): Promise<number> {
  const argv = [...process.execArgv, ...process.argv.slice(1), ...extraArgs];
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', netns, process.execPath, ...argv], {
      stdio: 'inherit',
      env: { ...process.env, [ENV_NETNS]: netns, [ENV_PARENT]: String(process.pid), [ENV_STARTED_AT]: String(commandStartedAt()) },
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
