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
