import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LabHostPlan } from './plan.js';
import { must, unmount } from './run.js';
import { ed25519KeyPair } from './ssh-keys.js';
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

export async function mountOverlay(h: LabHostPlan, lower: string): Promise<void> {
  for (const d of [h.upper, h.work, h.merged]) await mkdir(d, { recursive: true });
  if (await isMounted(h.merged)) return;
  await must(['mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${h.upper},workdir=${h.work}`, h.merged]);
}

export async function unmountOverlay(h: LabHostPlan): Promise<void> {
  if (!(await isMounted(h.merged))) return;
  await unmount(h.merged);
}

export function hostsFile(h: LabHostPlan): string {
  return `127.0.0.1\tlocalhost\n${h.address}\t${h.name}\n::1\tlocalhost ip6-localhost ip6-loopback\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n`;
}

/** Writes the host's identity into its root and returns its known_hosts line (`<address> <type> <key>`). */
export async function writeIdentity(h: LabHostPlan, labPublicKey: string): Promise<string> {
  const r = h.merged;
  await writeFile(join(r, 'etc/hostname'), `${h.name}\n`);
  await writeFile(join(r, 'etc/hosts'), hostsFile(h));
  await writeFile(join(r, 'etc/machine-id'), `${randomBytes(16).toString('hex')}\n`, { mode: 0o444 });
  await writeFile(join(r, 'etc/resolv.conf'), '# kubeha lab: no DNS server; names are in /etc/hosts\n');
  await mkdir(join(r, 'root/.ssh'), { recursive: true, mode: 0o700 });
  await chmod(join(r, 'root/.ssh'), 0o700);
  await writeFile(join(r, 'root/.ssh/authorized_keys'), labPublicKey.trim() + '\n', { mode: 0o600 });
  const key = join(r, 'etc/ssh/ssh_host_ed25519_key');
  const pair = ed25519KeyPair(`root@${h.name}`);
  await rm(key, { force: true });
  await rm(`${key}.pub`, { force: true });
  await writeFile(key, pair.private, { mode: 0o600 });
  await writeFile(`${key}.pub`, `${pair.public}\n`);
  const [type = '', blob = ''] = pair.public.split(' ');
  return `${h.address} ${type} ${blob}`;
}

export function nspawnArgs(h: LabHostPlan): string[] {
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

/**
 * Roots of the cgroup hierarchies systemd uses: the cgroup2 mount and the v1 `name=systemd` one (hybrid hosts).
 * Each host's nspawn starts in its own cgroup under these; otherwise every nspawn started from the same cgroup
 * puts its container in the same `payload/` group, and the containers' systemds create, kill and remove each
 * other's unit cgroups (seen: "Failed at step CGROUP … No such file or directory", a unit stop killing a
 * neighbour's processes).
 */
export function cgroupRoots(mounts: string): string[] {
  const roots: string[] = [];
  for (const line of mounts.split('\n')) {
    const [, mountpoint, fstype, options] = line.split(' ');
    if (!mountpoint) continue;
    if (fstype === 'cgroup2' || (fstype === 'cgroup' && (options ?? '').split(',').includes('name=systemd'))) roots.push(mountpoint);
  }
  return roots;
}

async function hostCgroupDirs(h: LabHostPlan): Promise<string[]> {
  // Labs made before hosts had their own cgroups have none recorded.
  if (!h.cgroup) return [];
  return cgroupRoots(await readFile('/proc/mounts', 'utf8')).map((r) => join(r, h.cgroup));
}

/** Creates the host's cgroups; returns their cgroup.procs files (none when cgroups cannot be made: best effort). */
export async function prepareCgroups(h: LabHostPlan): Promise<string[]> {
  const files: string[] = [];
  for (const d of await hostCgroupDirs(h)) {
    try {
      await mkdir(d, { recursive: true });
      files.push(join(d, 'cgroup.procs'));
    } catch {
      // not writable here: nspawn stays in our cgroup
    }
  }
  return files;
}

/** A cgroup and every cgroup below it, deepest first (empty when it does not exist). */
async function cgroupTree(d: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(d, { withFileTypes: true });
  } catch {
    return [];
  }
  const below = await Promise.all(entries.filter((e) => e.isDirectory()).map((e) => cgroupTree(join(d, e.name))));
  return [...below.flat(), d];
}

/** PIDs in the host's cgroups (all of them: nspawn's supervisor and the container's payload). */
export async function cgroupPids(h: LabHostPlan): Promise<number[]> {
  const pids = new Set<number>();
  for (const top of await hostCgroupDirs(h)) {
    for (const d of await cgroupTree(top)) {
      const procs = await readFile(join(d, 'cgroup.procs'), 'utf8').catch(() => '');
      for (const p of procs.split('\n')) if (p.trim()) pids.add(Number(p));
    }
  }
  return [...pids];
}

/** Removes the host's (empty) cgroups, deepest first, then the lab's and kubeha's parents when empty. */
export async function removeCgroups(h: LabHostPlan): Promise<void> {
  for (const top of await hostCgroupDirs(h)) {
    for (const d of await cgroupTree(top)) await rmdir(d).catch(() => undefined);
    await rmdir(dirname(top)).catch(() => undefined);
    await rmdir(dirname(dirname(top))).catch(() => undefined);
  }
}

/** Removes every (empty) cgroup of a lab, `kubeha/<lab>` and below, when its plan is unknown (no state file). */
export async function removeLabCgroups(lab: string): Promise<void> {
  for (const root of cgroupRoots(await readFile('/proc/mounts', 'utf8'))) {
    for (const d of await cgroupTree(join(root, 'kubeha', lab))) await rmdir(d).catch(() => undefined);
    await rmdir(join(root, 'kubeha')).catch(() => undefined);
  }
}

/** nspawn's exit status when the container's systemd asked for a reboot (systemd-nspawn(1); its unit restarts on it). */
export const NSPAWN_REBOOT_STATUS = 133;

/**
 * The host's supervisor: runs nspawn and runs it again when the host reboots (`reboot` inside a host brings it
 * back, as on a VM); any other exit (poweroff, a power-off fault) ends it. Each nspawn joins the host's cgroups
 * (a child shell moves itself there, then execs nspawn); the supervisor stays out of them, so that nspawn finds
 * its cgroup holding nothing but itself, as it does when run by systemd-nspawn@.service (cgroup v2 forbids a
 * process next to the child cgroups nspawn makes once controllers are enabled).
 */
export const SUPERVISOR_SCRIPT = `while :; do sh -c 'for f in $KUBEHA_CGROUP_PROCS; do echo $$ > "$f"; done; unset KUBEHA_CGROUP_PROCS; exec "$@"' sh "$@"; rc=$?; [ "$rc" -eq ${NSPAWN_REBOOT_STATUS} ] || exit "$rc"; done`;

/**
 * Boots the host in the background, in its own cgroups (`procs`: their cgroup.procs files, from prepareCgroups), under
 * its supervisor (the recorded PID); its console goes to the host's console.log.
 */
export function bootHost(h: LabHostPlan, procs: readonly string[]): ProcessRef {
  const argv = nspawnArgs(h);
  const script = SUPERVISOR_SCRIPT;
  const log = openSync(h.log, 'a');
  try {
    // /proc/sys/net writable inside the host (its own netns), so that `sysctl` works there as on a VM
    // (HAProxy binding the VIP needs net.ipv4.ip_nonlocal_bind); the rest of /proc/sys stays read-only.
    const env = { ...process.env, SYSTEMD_NSPAWN_API_VFS_WRITABLE: 'network', KUBEHA_CGROUP_PROCS: procs.join(' ') };
    const child = spawn('/bin/sh', ['-c', script, 'sh', ...argv], { detached: true, stdio: ['ignore', log, log], env });
    child.on('error', () => undefined);
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start systemd-nspawn for ${h.name}`);
    return { pid, start: processStart(pid) ?? '' };
  } finally {
    closeSync(log);
  }
}
