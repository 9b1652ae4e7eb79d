import type { Diagnostic } from '../diag/diagnostic.js';
import type { HaModel, ModelHost, UnitFileWrite } from '../model/types.js';
import { LOOPBACK, resolveV6only } from '../model/listeners.js';
import { HOST_PATHS, hostFileInMirror } from '../model/mirror-layout.js';
import type { FileSource } from './file-source.js';
import { parseHaproxy } from './haproxy/index.js';
import { parseKeepalived } from './keepalived/index.js';
import { dirname, resolvePath } from './sink.js';
import { parseEnvFile, parseHostsFile, parseSysctl } from './sysctl.js';
import { isIPAddress } from '../net/ipv4.js';
import { unitFileWrites } from './systemd.js';
import { certificateSans } from './x509-sans.js';

/** One host's folder of a mirror → its ModelHost: configs, sysctl, scripts, unit files, certificate. */

/** The port an apiserver listens on when nothing in the mirror says otherwise (kubeadm's default). */
export const DEFAULT_APISERVER_PORT = 6443;

/** The path of a host's file in a FileSource whose mirror manifest is at `manifestPath`. */
export function hostPath(manifestPath: string, host: string, rel: string): string {
  return resolvePath(dirname(manifestPath), hostFileInMirror(host, rel));
}

/** Reads host `name` at `address`; the diagnostics are those of its files (without `host` set). */
export function readHost(fs: FileSource, manifestPath: string, name: string, address: string, endpoint: HaModel['endpoint']): { host: ModelHost; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const p = (rel: string): string => hostPath(manifestPath, name, rel);
  const mh: ModelHost = { name, address, sysctl: {}, files: {} };
  diagnostics.push(...unreadableConfigs(fs, name, p));
  diagnostics.push(...readHaproxy(fs, mh, p));
  resolveServerNames(fs, mh, p);
  diagnostics.push(...readKeepalived(fs, mh, p, hostPath(manifestPath, name, '/')));
  if (endpoint.domain !== undefined) {
    const hostsFile = p(HOST_PATHS.hosts);
    const r = resolveInHostsFile(fs.readFile(hostsFile), endpoint.domain);
    if (r) mh.endpointResolution = { address: r.address, at: { file: hostsFile, line: r.line, col: 1 } };
  }
  const writes = systemdWrites(fs, p);
  if (writes.length > 0) mh.unitFileWrites = writes;
  diagnostics.push(...readSysctl(fs, mh, p));
  resolveV6only(mh);
  diagnostics.push(...readApiserverCert(fs, mh, p));
  return { host: mh, diagnostics };
}

/**
 * A config that exists but reads as absent (binary, too large, a symlink out of the mirror) must not silently
 * turn the host into one without HAProxy or keepalived.
 */
function unreadableConfigs(fs: FileSource, name: string, p: (rel: string) => string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const cfg of [HOST_PATHS.haproxy, HOST_PATHS.keepalived]) {
    const why = fs.whyUnreadable?.(p(cfg));
    if (why !== undefined)
      out.push({ code: 'MIRROR_UNREADABLE', severity: 'error', message: `${cfg} of ${name} exists but is not read: ${why}`, file: p(cfg), hint: 'put the plain-text config the host runs at this path' });
  }
  return out;
}

/** haproxy.cfg, with the variables of the haproxy environment files. */
function readHaproxy(fs: FileSource, mh: ModelHost, p: (rel: string) => string): Diagnostic[] {
  if (fs.readFile(p(HOST_PATHS.haproxy)) === undefined) return [];
  const env: Record<string, string> = { HAPROXY_LOCALPEER: mh.name };
  for (const ef of HOST_PATHS.haproxyEnv) {
    const t = fs.readFile(p(ef));
    if (t !== undefined) Object.assign(env, parseEnvFile(t));
  }
  const r = parseHaproxy(fs, p(HOST_PATHS.haproxy), { env });
  mh.haproxy = r.config;
  return r.diagnostics;
}

/** keepalived.conf, with the files its scripts and track_files name. */
function readKeepalived(fs: FileSource, mh: ModelHost, p: (rel: string) => string, root: string): Diagnostic[] {
  if (fs.readFile(p(HOST_PATHS.keepalived)) === undefined) return [];
  const r = parseKeepalived(fs, p(HOST_PATHS.keepalived), { configId: mh.name.split('.')[0] ?? mh.name, root });
  mh.keepalived = r.config;
  for (const s of Object.values(r.config.scripts)) {
    // Keep every file the script line names that exists in the mirror (`/bin/sh /etc/keepalived/check.sh` → both).
    for (const word of s.script.split(/\s+/)) {
      const w = word.replace(/^['"]|['"]$/g, '');
      if (!w.startsWith('/')) continue;
      const t = fs.readFile(p(w));
      if (t !== undefined) mh.files[w] = t;
    }
  }
  // The distribution, when the mirror has it: it decides what `pidof` is for keepalived.
  for (const osr of HOST_PATHS.osRelease) {
    const t = fs.readFile(p(osr));
    if (t !== undefined) {
      mh.files['/etc/os-release'] = t;
      break;
    }
  }
  // track_file state files: their current content decides a tracker nobody writes.
  for (const tf of Object.values(r.config.trackFiles)) {
    const t = tf.file.startsWith('/') ? fs.readFile(p(tf.file)) : undefined;
    if (t !== undefined) mh.files[tf.file] = t;
  }
  return r.diagnostics;
}

/**
 * The sysctl settings as systemd-sysctl leaves them at boot (sysctl.d(5)): every `*.conf` of /etc/sysctl.d,
 * /run/sysctl.d, /usr/local/lib/sysctl.d, /usr/lib/sysctl.d and /lib/sysctl.d, a file of an earlier directory hiding
 * one of the same name in a later one, applied in the order of their file names, a later setting winning. Debian
 * links /etc/sysctl.d/99-sysctl.conf to /etc/sysctl.conf; without that link (a mirror copied without it) we apply
 * /etc/sysctl.conf last, as `sysctl --system` does.
 */
function readSysctl(fs: FileSource, mh: ModelHost, p: (rel: string) => string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const byName = new Map<string, string>();
  for (const dir of SYSCTL_DIRS) {
    for (const f of fs.listDir(p(dir)) ?? []) if (f.endsWith('.conf') && !byName.has(f)) byName.set(f, p(`${dir}/${f}`));
  }
  const files = [...byName.keys()].sort().map((k) => byName.get(k) as string);
  if (!byName.has('99-sysctl.conf')) files.push(p(HOST_PATHS.sysctlConf));
  for (const f of files) {
    const t = fs.readFile(f);
    if (t === undefined) continue;
    const r = parseSysctl(t, f);
    Object.assign(mh.sysctl, r.values);
    out.push(...r.diagnostics);
  }
  return out;
}

/** systemd-sysctl's directories, earliest wins for a file name (sysctl.d(5)). */
const SYSCTL_DIRS = [HOST_PATHS.sysctlDir, '/run/sysctl.d', '/usr/local/lib/sysctl.d', '/usr/lib/sysctl.d', '/lib/sysctl.d'];

/** The apiserver's serving certificate: its SANs (and, by its presence, an apiserver on the default port). */
function readApiserverCert(fs: FileSource, mh: ModelHost, p: (rel: string) => string): Diagnostic[] {
  const certText = fs.readFile(p(HOST_PATHS.apiserverCert));
  if (certText === undefined) return [];
  const c = certificateSans(certText);
  if (!c) return [{ code: 'MIRROR_BAD_CERT', severity: 'warning', message: 'apiserver.crt is not a PEM certificate', file: p(HOST_PATHS.apiserverCert) }];
  mh.apiserver = { port: DEFAULT_APISERVER_PORT, certSANs: c.sans, certFile: HOST_PATHS.apiserverCert };
  return [];
}

/**
 * HAProxy resolves a server (or check `addr`) written as a name when it starts (`init-addr last,libc`): through the LB
 * host's /etc/hosts first. A name found there becomes the address it gives (the name is kept in `addressName`); other
 * names stay as written (DNS, which a mirror does not hold).
 */
function resolveServerNames(fs: FileSource, mh: ModelHost, p: (rel: string) => string): void {
  if (!mh.haproxy) return;
  let names: Map<string, string[]> | undefined;
  const lookup = (name: string): string | undefined => {
    if (isIPAddress(name) || LOOPBACK.has(name)) return undefined;
    names ??= parseHostsFile(fs.readFile(p(HOST_PATHS.hosts)) ?? '');
    return names.get(name)?.[0];
  };
  for (const b of mh.haproxy.backends)
    for (const s of b.servers) {
      const ip = lookup(s.address);
      if (ip !== undefined) {
        s.addressName = s.address;
        s.address = ip;
      }
      const checkIp = s.checkAddr !== undefined ? lookup(s.checkAddr) : undefined;
      if (checkIp !== undefined) s.checkAddr = checkIp;
    }
}

/** The first address /etc/hosts gives `name` (the one the resolver returns), with its line. */
function resolveInHostsFile(text: string | undefined, name: string): { address: string; line: number } | undefined {
  if (text === undefined) return undefined;
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    const [addr, ...names] = (line.split('#')[0] ?? '').trim().split(/\s+/);
    if (addr && names.includes(name)) return { address: addr, line: i + 1 };
  }
  return undefined;
}

/** What the units under /etc/systemd/system (unit files and `<unit>.d/*.conf` drop-ins) write from their hooks. */
function systemdWrites(fs: FileSource, p: (rel: string) => string): UnitFileWrite[] {
  const dir = HOST_PATHS.systemdDir;
  const entries = fs.listDir(p(dir)) ?? [];
  const units = new Set<string>();
  for (const e of entries) {
    const m = /^(.+\.(?:service|socket|target|timer|path|mount))(\.d)?$/.exec(e);
    if (m) units.add(m[1] as string);
  }
  const out: UnitFileWrite[] = [];
  for (const unit of [...units].sort()) {
    const files: { path: string; text: string }[] = [];
    const main = fs.readFile(p(`${dir}/${unit}`));
    if (main !== undefined) files.push({ path: p(`${dir}/${unit}`), text: main });
    for (const f of (fs.listDir(p(`${dir}/${unit}.d`)) ?? []).filter((x) => x.endsWith('.conf')).sort()) {
      const t = fs.readFile(p(`${dir}/${unit}.d/${f}`));
      if (t !== undefined) files.push({ path: p(`${dir}/${unit}.d/${f}`), text: t });
    }
    out.push(...unitFileWrites(unit, files));
  }
  return out;
}
