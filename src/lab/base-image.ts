import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EnvironmentError } from '../diag/errors.js';
import { cacheRoot, cachedDir } from './cache.js';
import { debianMirrorFor, parseAptSources, type AptSource } from './apt-sources.js';
import { tail } from '../diag/output-tail.js';
import { run } from './run.js';

/**
 * The base root file system every lab host overlays: Debian minbase + systemd + sshd, built once with
 * debootstrap from the machine's own Debian mirror and cached outside the repository, keyed by what went in.
 */

export const BASE_SUITE = 'bookworm';
export const BASE_PACKAGES = ['systemd', 'systemd-sysv', 'dbus', 'openssh-server', 'iproute2', 'ca-certificates', 'curl', 'procps', 'iputils-ping'];
/** Bump when the post-processing below changes, so cached bases are rebuilt. */
export const BASE_RECIPE = 5;

/**
 * Units a lab host does not need, masked so that an idle host is quiet, `is-system-running` says running, and a
 * boot (eight at once on two cores) spends its CPU on what a host is for.
 */
export const MASKED_UNITS = [
  'apt-daily.timer',
  'apt-daily-upgrade.timer',
  'dpkg-db-backup.timer',
  'e2scrub_all.timer',
  'e2scrub_reap.service',
  'fstrim.timer',
  'systemd-pstore.service',
  'getty@tty1.service',
  'console-getty.service',
  'getty.target',
  // Debian ships no systemd-update-done.service, so /etc/.updated never exists and sysusers ran at every boot; the
  // packages' maintainer scripts create their users themselves.
  'systemd-sysusers.service',
  // utmp/wtmp records (who, last): nothing in a lab reads them.
  'systemd-update-utmp.service',
  'systemd-update-utmp-runlevel.service',
  'systemd-tmpfiles-clean.timer',
  'systemd-ask-password-console.path',
  'systemd-ask-password-wall.path',
  'systemd-initctl.socket',
  'systemd-journald-audit.socket',
  // Kernel-level set-up the container cannot do (nspawn or the machine does it).
  'proc-sys-fs-binfmt_misc.automount',
  'systemd-binfmt.service',
  'kmod-static-nodes.service',
  'systemd-modules-load.service',
  'systemd-pcrphase.service',
  'systemd-pcrphase-sysinit.service',
  'systemd-repart.service',
  'systemd-firstboot.service',
  'systemd-machine-id-commit.service',
  'dev-hugepages.mount',
  'systemd-remount-fs.service',
  'systemd-tmpfiles-setup-dev.service',
  // Logins do not register with it (no pam_systemd in the base); `systemctl reboot`/`poweroff` fall back to PID 1.
  'systemd-logind.service',
];

/** Generators with nothing to find in a container (no disks, fstab, consoles or resume device); off via /etc. */
export const DISABLED_GENERATORS = [
  'systemd-cryptsetup-generator',
  'systemd-fstab-generator',
  'systemd-getty-generator',
  'systemd-gpt-auto-generator',
  'systemd-hibernate-resume-generator',
  'systemd-integritysetup-generator',
  'systemd-system-update-generator',
  'systemd-veritysetup-generator',
];

/**
 * sshd in the first boot transaction: default dependencies ordered it after sysinit.target and basic.target
 * (tmpfiles, journal flush, …: measured 3.8 s into a boot of eight hosts at once), none of which it needs (its
 * keys and config are in the image, the address is set before boot). The socket (listening from PID 1's first
 * moments) holds early connections until sshd takes them, and keeps a restart of sshd from refusing any.
 */
export const SSH_SOCKET_DROPIN = `[Unit]
DefaultDependencies=no
Conflicts=shutdown.target
Before=sockets.target shutdown.target
`;
export const SSH_SERVICE_DROPIN = `[Unit]
DefaultDependencies=no
Wants=ssh.socket
After=ssh.socket systemd-journald.socket
Conflicts=shutdown.target
Before=shutdown.target
`;

export const SSHD_DROPIN = `# kubeha lab: keys only, one host key generated per host at creation.
HostKey /etc/ssh/ssh_host_ed25519_key
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UseDNS no
`;

/** Volatile: the journal stays in /run (no flush to /var and no journal file allocated on each host's overlay at boot). */
export const JOURNALD_DROPIN = `[Journal]
Storage=volatile
RuntimeMaxUse=8M
`;

/** Hash of the recipe's data (masked units, generators, sshd, journald and ssh unit drop-ins); a test pins it to BASE_RECIPE (pure). */
export function recipeFingerprint(): string {
  return createHash('sha256').update(JSON.stringify({ MASKED_UNITS, SSHD_DROPIN, JOURNALD_DROPIN, SSH_SOCKET_DROPIN, SSH_SERVICE_DROPIN, DISABLED_GENERATORS })).digest('hex').slice(0, 16);
}

/**
 * Cache key of a base: everything that goes into it (pure): suite, sorted package list, the mirror it is fetched
 * from (another mirror may carry other point releases), the architecture and the recipe (post-processing).
 */
export function baseKey(suite: string, packages: readonly string[], mirror: string, recipe = BASE_RECIPE, arch: string = process.arch): string {
  const text = JSON.stringify({ suite, packages: [...new Set(packages)].sort(), mirror: mirror.replace(/\/+$/, ''), arch, recipe });
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export interface BaseImage {
  key: string;
  /** The directory holding rootfs/ and manifest.json. */
  dir: string;
  rootfs: string;
  built: boolean;
  seconds: number;
}

export interface BaseImageOptions {
  suite?: string;
  packages?: string[];
  onProgress?: (message: string) => void;
}

export async function readMachineAptSources(): Promise<AptSource[]> {
  const out: AptSource[] = [];
  const files = ['/etc/apt/sources.list'];
  try {
    for (const f of (await readdir('/etc/apt/sources.list.d')).sort()) files.push(join('/etc/apt/sources.list.d', f));
  } catch {
    // no sources.list.d
  }
  for (const f of files) {
    if (!f.endsWith('.list') && !f.endsWith('.sources')) continue;
    try {
      out.push(...parseAptSources(f, await readFile(f, 'utf8')));
    } catch {
      // unreadable: skip
    }
  }
  return out;
}

/** Returns the cached base, building it first when absent. Concurrent callers wait on one lock. */
export async function ensureBaseImage(opts: BaseImageOptions = {}): Promise<BaseImage> {
  const suite = opts.suite ?? BASE_SUITE;
  const packages = opts.packages ?? BASE_PACKAGES;
  // The mirror is part of the key: read it before looking into the cache.
  const mirror = debianMirrorFor(await readMachineAptSources(), suite);
  const key = baseKey(suite, packages, mirror ?? '');
  const t0 = Date.now();
  const { dir, built } = await cachedDir(
    `base-${key}`,
    async (tmp) => {
      if (!mirror)
        throw new EnvironmentError(`no Debian mirror for "${suite}" in this machine's apt sources`, `add e.g. "deb http://deb.debian.org/debian ${suite} main" to /etc/apt/sources.list`);
      opts.onProgress?.(`building the base image (debootstrap ${suite} from ${mirror}; once, cached in ${join(cacheRoot(), `base-${key}`)})`);
      const r = await run(['debootstrap', '--variant=minbase', `--include=${packages.join(',')}`, suite, join(tmp, 'rootfs'), mirror], { timeoutMs: 30 * 60_000 });
      if (r.code !== 0)
        throw new EnvironmentError(`debootstrap of ${suite} from ${mirror} failed (exit ${r.code ?? r.signal ?? '?'}): ${tail(r.stderr || r.stdout, 3)}`, `check that ${mirror} is reachable from this machine (apt-get update), then run the command again`);
      await postProcess(join(tmp, 'rootfs'));
      const manifest = { key, suite, packages: [...packages].sort(), recipe: BASE_RECIPE, mirror, arch: process.arch, builtAt: new Date().toISOString() };
      await writeFile(join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    },
    opts.onProgress,
  );
  return { key, dir, rootfs: join(dir, 'rootfs'), built, seconds: built ? (Date.now() - t0) / 1000 : 0 };
}

/** Makes the fresh debootstrap a template: no host identity, quiet units, keys-only sshd, no apt cache. */
async function postProcess(r: string): Promise<void> {
  for (const f of await readdir(join(r, 'etc/ssh'))) if (f.startsWith('ssh_host_')) await unlink(join(r, 'etc/ssh', f));
  await writeFile(join(r, 'etc/ssh/sshd_config.d/kubeha.conf'), SSHD_DROPIN);
  await writeFile(join(r, 'etc/machine-id'), '');
  await rm(join(r, 'var/lib/dbus/machine-id'), { force: true });
  await symlink('/etc/machine-id', join(r, 'var/lib/dbus/machine-id'));
  await writeFile(join(r, 'etc/hostname'), '');
  // pam_env reads it at every login and logs an error when it is missing.
  await writeFile(join(r, 'etc/default/locale'), '');
  await mkdir(join(r, 'etc/systemd/journald.conf.d'), { recursive: true });
  await writeFile(join(r, 'etc/systemd/journald.conf.d/kubeha.conf'), JOURNALD_DROPIN);
  for (const u of MASKED_UNITS) {
    await rm(join(r, 'etc/systemd/system', u), { force: true });
    await symlink('/dev/null', join(r, 'etc/systemd/system', u));
  }
  await rm(join(r, 'etc/systemd/system/getty.target.wants'), { recursive: true, force: true });
  for (const [unit, text] of [['ssh.socket', SSH_SOCKET_DROPIN], ['ssh.service', SSH_SERVICE_DROPIN]] as const) {
    await mkdir(join(r, `etc/systemd/system/${unit}.d`), { recursive: true });
    await writeFile(join(r, `etc/systemd/system/${unit}.d/kubeha.conf`), text);
  }
  await mkdir(join(r, 'etc/systemd/system-generators'), { recursive: true });
  for (const g of DISABLED_GENERATORS) await symlink('/dev/null', join(r, 'etc/systemd/system-generators', g));
  await mkdir(join(r, 'etc/systemd/system/sockets.target.wants'), { recursive: true });
  await symlink('/lib/systemd/system/ssh.socket', join(r, 'etc/systemd/system/sockets.target.wants/ssh.socket'));
  // Lab hosts have no route out: packages come from the offline bundle (`kubeha bundle`), as in an air-gapped site.
  await writeFile(join(r, 'etc/apt/sources.list'), '# kubeha lab: no route out; install from the offline bundle (kubeha bundle)\n');
  for (const d of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
    for (const f of await readdir(join(r, d))) if (f !== 'partial' && f !== 'lock') await rm(join(r, d, f), { recursive: true, force: true });
  }
  await rm(join(r, 'var/cache/apt/pkgcache.bin'), { force: true });
  await rm(join(r, 'var/cache/apt/srcpkgcache.bin'), { force: true });
  await mkdir(join(r, 'root/.ssh'), { recursive: true, mode: 0o700 });
}
