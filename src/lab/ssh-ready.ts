import { NetnsDialer } from '../remote/netns-dial.js';
import { HostKeyError, SshPool } from '../remote/ssh.js';
import type { LabHostPlan, LabPlan } from './plan.js';

/**
 * Waits until every booting host answers SSH: a login with the lab's key, the host key checked strictly against the
 * lab's known_hosts, and one command run. From this process, through one relay in the taskbox (src/remote/netns-dial.ts),
 * which dials only the lab's hosts: eight `ssh` clients (and their `ip netns exec`) polling while the hosts boot cost
 * seconds of the machine's two cores, a refused connection costs the kernel only. A connection that ssh.socket
 * accepts before sshd runs waits in its backlog until sshd takes it.
 */

/** Between two tries of a host whose sshd is not listening yet, or whose login failed (e.g. sshd restarting). */
const RETRY_MS = 50;

export async function waitForLabSsh(plan: Pick<LabPlan, 'lab' | 'keyFile' | 'knownHostsFile' | 'taskbox'>, hosts: readonly LabHostPlan[], timeoutMs: number, onReady: (h: LabHostPlan) => void): Promise<string[]> {
  const dialer = new NetnsDialer(plan.taskbox.netns, { allowed: hosts.map((h) => `${h.address}:22`), refusal: `not a host of lab ${plan.lab}` });
  dialer.start();
  const deadline = Date.now() + timeoutMs;
  const notReady: string[] = [];
  try {
    await Promise.all(
      hosts.map(async (h) => {
        const target = { name: h.name, address: h.address, port: 22, user: 'root', keyFile: plan.keyFile };
        for (;;) {
          const left = deadline - Date.now();
          // One pool per try: a failed try leaves nothing behind that the next would reuse.
          const pool = new SshPool({ knownHostsFile: plan.knownHostsFile, connectTimeoutMs: Math.max(1000, Math.min(left, 10_000)), dial: dialer.dial });
          try {
            await pool.host(target).run('true', { timeoutMs: Math.max(1000, Math.min(left, 10_000)) });
            onReady(h);
            return;
          } catch (err) {
            // A host key that does not match will not fix itself.
            if (err instanceof HostKeyError || Date.now() + RETRY_MS >= deadline) {
              notReady.push(h.name);
              return;
            }
          } finally {
            await pool.close();
          }
          await new Promise((r) => setTimeout(r, RETRY_MS));
        }
      }),
    );
  } finally {
    dialer.close();
  }
  return notReady;
}
