import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostPlan } from './plan.js';
import { must, run } from './run.js';
import { processStart, type ProcessRef } from './state.js';

/**
 * One lab host: an overlay of the base (lower) with its own upper dir, an identity written before boot
 * (hostname, machine-id, /etc/hosts, its own SSH host key, the lab's key for root), booted by systemd-nspawn
 * into its network namespace as a background process whose PID is recorded.
 */

export async function isMounted(path: string): Promise<boolean> {
  const mounts = await readFile('/proc/mounts', 'utf8');
  return mounts.split('\n').some((l) => l.split(' ')[1] === encodeMountPath(path));
}

/** /proc/mounts escapes space, tab, newline and backslash as octal. */
function encodeMountPath(p: string): string {
  return p.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

export async function mountOverlay(h: HostPlan, lower: string): Promise<void> {
  for (const d of [h.upper, h.work, h.merged]) await mkdir(d, { recursive: true });
  if (await isMounted(h.merged)) return;
  await must(['mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${h.upper},workdir=${h.work}`, h.merged]);
}

export async function unmountOverlay(h: HostPlan): Promise<void> {
  if (!(await isMounted(h.merged))) return;
  const r = await run(['umount', h.merged]);
  // Busy (a process still holds it): detach now, the kernel frees it when the last user goes.
  if (r.code !== 0 && (await isMounted(h.merged))) await must(['umount', '--lazy', h.merged]);
}

export function hostsFile(h: HostPlan): string {
  return `127.0.0.1\tlocalhost\n${h.address}\t${h.name}\n::1\tlocalhost ip6-localhost ip6-loopback\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n`;
}

/** Writes the host's identity into its root and returns its known_hosts line (`<address> <type> <key>`). */
export async function writeIdentity(h: HostPlan, labPublicKey: string): Promise<string> {
  const r = h.merged;
  await writeFile(join(r, 'etc/hostname'), `${h.name}\n`);
  await writeFile(join(r, 'etc/hosts'), hostsFile(h));
  await writeFile(join(r, 'etc/machine-id'), `${randomBytes(16).toString('hex')}\n`, { mode: 0o444 });
  await writeFile(join(r, 'etc/resolv.conf'), '# kubeha lab: no DNS server; names are in /etc/hosts\n');
  await mkdir(join(r, 'root/.ssh'), { recursive: true, mode: 0o700 });
  await chmod(join(r, 'root/.ssh'), 0o700);
  await writeFile(join(r, 'root/.ssh/authorized_keys'), labPublicKey.trim() + '\n', { mode: 0o600 });
  const key = join(r, 'etc/ssh/ssh_host_ed25519_key');
  await rm(key, { force: true });
  await rm(`${key}.pub`, { force: true });
  await must(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `root@${h.name}`, '-f', key]);
  const pub = (await readFile(`${key}.pub`, 'utf8')).trim().split(/\s+/);
  return `${h.address} ${pub[0] ?? ''} ${pub[1] ?? ''}`;
}

export function nspawnArgs(h: HostPlan): string[] {
  return [
    'systemd-nspawn',
    '--boot',
    // Without --keep-unit nspawn asks a host systemd for a scope ("Failed to open system bus"); this machine has none.
    '--keep-unit',
    '--register=no',
    `--network-namespace-path=/run/netns/${h.netns}`,
    // nspawn grants CAP_NET_ADMIN only with its own private network: keepalived needs it to add the VIP and
    // `sysctl net.ipv4.ip_forward` to set it, as root on a VM can. It only acts on the host's own namespace.
    '--capability=CAP_NET_ADMIN',
    '-D',
    h.merged,
    `--machine=${h.machine}`,
    `--hostname=${h.name}`,
    '--resolv-conf=off',
    '--link-journal=no',
    '--timezone=off',
    '--console=read-only',
  ];
}

/** Boots the host in the background; its console goes to the host's console.log. */
export function bootHost(h: HostPlan): ProcessRef {
  const [cmd, ...args] = nspawnArgs(h);
  const log = openSync(h.log, 'a');
  try {
    // /proc/sys/net writable inside the host (its own netns), so that `sysctl` works there as on a VM
    // (HAProxy binding the VIP needs net.ipv4.ip_nonlocal_bind); the rest of /proc/sys stays read-only.
    const env = { ...process.env, SYSTEMD_NSPAWN_API_VFS_WRITABLE: 'network' };
    const child = spawn(cmd ?? 'systemd-nspawn', args, { detached: true, stdio: ['ignore', log, log], env });
    child.on('error', () => undefined);
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start systemd-nspawn for ${h.name}`);
    return { pid, start: processStart(pid) ?? '' };
  } finally {
    closeSync(log);
  }
}
