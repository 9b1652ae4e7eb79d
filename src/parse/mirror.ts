import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type YAMLMap } from 'yaml';
import { didYouMean, type Diagnostic } from '../diag/diagnostic.js';
import type { Endpoint, ExternalLb, HaModel, ModelHost, UnitFileWrite } from '../model/types.js';
import type { FileSource } from './file-source.js';
import { parseHaproxy } from './haproxy.js';
import { isIPAddress } from '../net/ipv4.js';
import { parseKeepalived } from './keepalived.js';
import { DiagnosticSink, dirname, parseIntStrict, resolvePath } from './sink.js';
import { parseEnvFile, parseHostsFile, parseSysctl } from './sysctl.js';
import { unitFileWrites } from './systemd.js';
import { certificateSans } from './x509-sans.js';

/**
 * A mirror DIR → HaModel. The FileSource is rooted at the mirror: the manifest `hosts.yaml` says what clients
 * connect to and which hosts there are; each host's files live under `/<host>/` as on the host itself.
 *
 * ```yaml
 * endpoint: 10.0.0.10:6443          # or name:6443, resolved through the hosts' /etc/hosts
 * hosts:
 *   - { name: lb-0, address: 10.0.0.2 }
 *   - { name: m1, address: 10.0.0.4, apiserver: true }   # optional: true | <port> | false
 * externalLb:                       # optional, for cloud/hardware LBs (no keepalived)
 *   { address: 10.0.0.253, port: 6443, hairpin: false, healthCheck: true, backends: [10.0.0.4:6443] }
 * ```
 *
 * `model` is undefined only when the manifest itself is unusable; problems in the hosts' configs are diagnostics
 * (with `host` set) next to a model built from what could be read.
 */
export interface LoadedMirror {
  model?: HaModel;
  diagnostics: Diagnostic[];
}

export const MIRROR_PATHS = {
  haproxy: '/etc/haproxy/haproxy.cfg',
  keepalived: '/etc/keepalived/keepalived.conf',
  sysctlConf: '/etc/sysctl.conf',
  sysctlDir: '/etc/sysctl.d',
  hosts: '/etc/hosts',
  apiserverCert: '/etc/kubernetes/pki/apiserver.crt',
  haproxyEnv: ['/etc/default/haproxy', '/etc/sysconfig/haproxy'],
  systemdDir: '/etc/systemd/system',
} as const;

const DEFAULT_APISERVER_PORT = 6443;

interface HostEntry {
  name: string;
  address: string;
  apiserver?: boolean | number;
  node: YamlNode;
}

export function loadMirror(fs: FileSource, manifestPath = '/hosts.yaml'): LoadedMirror {
  const sink = new DiagnosticSink();
  const file = manifestPath;
  const text = fs.readFile(manifestPath);
  if (text === undefined) {
    sink.error('MIRROR_MANIFEST_MISSING', `cannot read ${manifestPath}`, file, undefined, 'a mirror DIR needs hosts.yaml with `endpoint:` and `hosts:`');
    return { diagnostics: sink.diagnostics };
  }
  sink.addFile(file, text);
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  for (const e of doc.errors) {
    const p = lc.linePos(e.pos[0]);
    sink.error('MIRROR_YAML_SYNTAX', e.message.split('\n')[0] ?? 'YAML syntax error', file, { line: p.line, col: p.col }, 'hosts.yaml is YAML: `endpoint: <address>:<port>` and `hosts:` as a list of `{name, address}`');
  }
  if (doc.errors.length > 0) return { diagnostics: sink.diagnostics };
  const at = (n: YamlNode | null | undefined): { line: number; col: number; length?: number } | undefined => {
    if (!n?.range) return undefined;
    const p = lc.linePos(n.range[0]);
    return { line: p.line, col: p.col, length: Math.max(1, n.range[1] - n.range[0]) };
  };
  const root = doc.contents;
  if (!isMap(root)) {
    sink.error('MIRROR_BAD_MANIFEST', 'hosts.yaml must be a mapping with endpoint: and hosts:', file, at(root) ?? { line: 1, col: 1 }, 'e.g. endpoint: 10.0.0.100:6443 and hosts: [{name: lb0, address: 10.0.0.10}]');
    return { diagnostics: sink.diagnostics };
  }
  const get = (m: YAMLMap<unknown, unknown>, key: string): YamlNode | undefined => {
    const pair = m.items.find((p) => isScalar(p.key) && p.key.value === key);
    return (pair?.value ?? undefined) as YamlNode | undefined;
  };
  for (const p of root.items) {
    const k = isScalar(p.key) ? String(p.key.value) : '';
    if (!['endpoint', 'domain', 'hosts', 'externalLb'].includes(k)) {
      sink.warning('MIRROR_UNKNOWN_KEY', `unknown key '${k}' in hosts.yaml`, file, at(p.key), 'known keys: endpoint, domain, hosts, externalLb');
    }
  }

  // hosts
  const hostsNode = get(root, 'hosts');
  const hosts: HostEntry[] = [];
  const byName = new Map<string, HostEntry>();
  const byAddress = new Map<string, HostEntry>();
  if (!isSeq(hostsNode)) {
    sink.error('MIRROR_NO_HOSTS', 'hosts.yaml needs a `hosts:` list of {name, address}', file, at(hostsNode) ?? { line: 1, col: 1 }, 'e.g. hosts: [{name: lb0, address: 10.0.0.10}] (the names are the host folders)');
  } else {
    for (const item of hostsNode.items) {
      const n = item as YamlNode;
      if (!isMap(item)) {
        sink.error('MIRROR_BAD_HOST', 'each host is a mapping {name, address}', file, at(n), 'e.g. - {name: lb0, address: 10.0.0.10}');
        continue;
      }
      const name = get(item, 'name');
      const address = get(item, 'address');
      const api = get(item, 'apiserver');
      const nameV = isScalar(name) ? String(name.value) : '';
      const addrV = isScalar(address) ? String(address.value) : '';
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(nameV)) {
        sink.error('MIRROR_BAD_HOST', `host name '${nameV}' is missing or not a plain name`, file, at(name ?? n), 'use letters, digits, ".", "_" and "-" (it is also the folder name)');
        continue;
      }
      if (!isIPAddress(addrV)) {
        sink.error('MIRROR_BAD_ADDRESS', `host '${nameV}' needs an IP address, got '${addrV}'`, file, at(address ?? n), 'an IPv4 or IPv6 address, as the configs of the host name it');
        continue;
      }
      const dupName = byName.get(nameV);
      const dupAddr = byAddress.get(addrV);
      if (dupName || dupAddr) {
        sink.error('MIRROR_DUPLICATE_HOST', dupName ? `host name '${nameV}' appears twice` : `address ${addrV} is given to '${dupAddr?.name ?? ''}' and '${nameV}'`, file, at(n), 'every host appears once, with its own address');
        continue;
      }
      const entry: HostEntry = { name: nameV, address: addrV, node: n };
      if (api !== undefined) {
        const v = isScalar(api) ? api.value : undefined;
        if (typeof v === 'boolean') entry.apiserver = v;
        else if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535) entry.apiserver = v;
        else sink.error('MIRROR_BAD_VALUE', '`apiserver` is true, false or a port number', file, at(api), 'e.g. apiserver: 6443');
      }
      hosts.push(entry);
      byName.set(nameV, entry);
      byAddress.set(addrV, entry);
    }
  }

  // endpoint
  const epNode = get(root, 'endpoint');
  let endpoint: HaModel['endpoint'] | undefined;
  const epText = isScalar(epNode) ? String(epNode.value) : undefined;
  const ep = epText !== undefined ? splitHostPort(epText) : undefined;
  if (!ep) {
    sink.error('MIRROR_BAD_ENDPOINT', '`endpoint:` must be <address>:<port> (or <name>:<port>)', file, at(epNode) ?? { line: 1, col: 1 }, 'e.g. endpoint: 10.0.0.10:6443');
  } else if (isIPAddress(ep.host)) {
    endpoint = { address: ep.host, port: ep.port };
  } else {
    const answers = new Map<string, string[]>();
    for (const h of hosts) {
      const t = fs.readFile(hostPath(manifestPath, h.name, MIRROR_PATHS.hosts));
      const a = t !== undefined ? parseHostsFile(t).get(ep.host)?.[0] : undefined;
      if (a !== undefined) answers.set(a, [...(answers.get(a) ?? []), h.name]);
    }
    // A host that maps the name to loopback or to itself (masters behind an LB without hairpin) says nothing about
    // the address the other clients use: prefer an answer that is neither.
    const selfish = (a: string, hs: string[]): boolean => a.startsWith('127.') || a === '::1' || hs.every((n) => byName.get(n)?.address === a);
    const first = [...answers].find(([a, hs]) => !selfish(a, hs))?.[0] ?? [...answers.keys()][0];
    if (first === undefined) {
      sink.error('MIRROR_ENDPOINT_UNRESOLVED', `endpoint name '${ep.host}' is in no host's /etc/hosts`, file, at(epNode), 'write the address instead, or put the hosts files in the mirror');
    } else {
      if (answers.size > 1) {
        const detail = [...answers].map(([a, hs]) => `${a} on ${hs.join(', ')}`).join('; ');
        sink.warning('MIRROR_ENDPOINT_AMBIGUOUS', `endpoint name '${ep.host}' resolves differently per host: ${detail}`, file, at(epNode), `using ${first}`);
      }
      endpoint = { address: first, port: ep.port, domain: ep.host };
    }
  }

  // domain: the name clients use for the endpoint (kubeconfigs); each host resolves it through its own /etc/hosts.
  const domainNode = get(root, 'domain');
  if (domainNode !== undefined) {
    const d = isScalar(domainNode) ? String(domainNode.value) : '';
    if (!/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(d) || isIPAddress(d))
      sink.error('MIRROR_BAD_VALUE', '`domain` is a DNS name (the endpoint name in kubeconfigs)', file, at(domainNode), 'e.g. domain: api.example.internal');
    else if (endpoint) endpoint = { ...endpoint, domain: d };
  }

  // externalLb
  let externalLb: ExternalLb | undefined;
  const lbNode = get(root, 'externalLb');
  if (lbNode !== undefined) {
    if (!isMap(lbNode)) sink.error('MIRROR_BAD_VALUE', '`externalLb` is a mapping {address, port, hairpin, backends}', file, at(lbNode), 'e.g. externalLb: {address: 10.0.0.5, port: 6443, hairpin: false, backends: [10.0.0.21:6443]}');
    else {
      const addr = get(lbNode, 'address');
      const port = get(lbNode, 'port');
      const hairpin = get(lbNode, 'hairpin');
      const hc = get(lbNode, 'healthCheck');
      const backends = get(lbNode, 'backends');
      const addrV = isScalar(addr) ? String(addr.value) : '';
      const portV = isScalar(port) ? Number(port.value) : NaN;
      const lb: ExternalLb = { address: addrV, port: portV, hairpin: false, healthCheck: true, backends: [] };
      if (!isIPAddress(addrV)) sink.error('MIRROR_BAD_ADDRESS', '`externalLb.address` must be an IP address', file, at(addr ?? lbNode), 'the address clients connect to');
      if (!Number.isInteger(portV) || portV < 1 || portV > 65535) sink.error('MIRROR_BAD_VALUE', '`externalLb.port` must be a port number', file, at(port ?? lbNode), '1..65535, e.g. 6443');
      if (hairpin !== undefined) {
        if (isScalar(hairpin) && typeof hairpin.value === 'boolean') lb.hairpin = hairpin.value;
        else sink.error('MIRROR_BAD_VALUE', '`externalLb.hairpin` is true or false', file, at(hairpin), 'true when a backend reaching the LB may be sent to itself');
      } else sink.info('MIRROR_DEFAULT', '`externalLb.hairpin` not given: assuming false (most L4 cloud LBs do not hairpin)', file, at(lbNode));
      if (hc !== undefined) {
        if (isScalar(hc) && typeof hc.value === 'boolean') lb.healthCheck = hc.value;
        else sink.error('MIRROR_BAD_VALUE', '`externalLb.healthCheck` is true or false', file, at(hc), 'true when the LB health-checks its backends');
      }
      if (isSeq(backends)) {
        for (const b of backends.items) {
          const e = endpointOf(b as YamlNode);
          if (e) lb.backends.push(e);
          else sink.error('MIRROR_BAD_VALUE', 'a backend is <address>:<port> or {address, port}', file, at(b as YamlNode), 'e.g. 10.0.0.21:6443');
        }
      } else sink.error('MIRROR_BAD_VALUE', '`externalLb.backends` is a list of <address>:<port>', file, at(backends ?? lbNode), 'e.g. backends: [10.0.0.21:6443, 10.0.0.22:6443]');
      externalLb = lb;
    }
  }

  if (!endpoint || sink.diagnostics.some((d) => d.severity === 'error')) return { diagnostics: sink.diagnostics };

  // A folder next to hosts.yaml that no host names is most likely a misspelt host: its files would be ignored.
  const names = hosts.map((h) => h.name);
  const folderless = names.filter((n) => fs.listDir(hostPath(manifestPath, n, '/')) === undefined);
  for (const entry of fs.listDir(dirname(manifestPath)) ?? []) {
    if (entry.startsWith('.') || names.includes(entry) || fs.listDir(hostPath(manifestPath, entry, '/')) === undefined) continue;
    const near = didYouMean(entry, folderless);
    sink.warning('MIRROR_UNLISTED_FOLDER', `folder '${entry}' is not a host of hosts.yaml: its files are not analysed`, file, { line: 1, col: 1 }, near ? `rename it to '${near}' (a host without a folder)` : 'add it to hosts: or remove it');
  }

  // Per host: configs, sysctl, scripts, certificate.
  const diagnostics = [...sink.diagnostics];
  const model: HaModel = { endpoint, hosts: [] };
  if (externalLb) model.externalLb = externalLb;
  for (const h of hosts) {
    const hostDiags: Diagnostic[] = [];
    const p = (rel: string): string => hostPath(manifestPath, h.name, rel);
    const mh: ModelHost = { name: h.name, address: h.address, sysctl: {}, files: {} };
    // A config that exists but reads as absent (binary, too large, a symlink out of the mirror) must not silently
    // turn the host into one without HAProxy or keepalived.
    for (const cfg of [MIRROR_PATHS.haproxy, MIRROR_PATHS.keepalived]) {
      const why = fs.whyUnreadable?.(p(cfg));
      if (why !== undefined)
        hostDiags.push({ code: 'MIRROR_UNREADABLE', severity: 'error', message: `${cfg} of ${h.name} exists but is not read: ${why}`, file: p(cfg), hint: 'put the plain-text config the host runs at this path' });
    }
    if (fs.readFile(p(MIRROR_PATHS.haproxy)) !== undefined) {
      const env: Record<string, string> = { HAPROXY_LOCALPEER: h.name };
      for (const ef of MIRROR_PATHS.haproxyEnv) {
        const t = fs.readFile(p(ef));
        if (t !== undefined) Object.assign(env, parseEnvFile(t));
      }
      const r = parseHaproxy(fs, p(MIRROR_PATHS.haproxy), { env });
      mh.haproxy = r.config;
      hostDiags.push(...r.diagnostics);
    }
    if (fs.readFile(p(MIRROR_PATHS.keepalived)) !== undefined) {
      const r = parseKeepalived(fs, p(MIRROR_PATHS.keepalived), { configId: h.name.split('.')[0] ?? h.name, root: hostPath(manifestPath, h.name, '/') });
      mh.keepalived = r.config;
      hostDiags.push(...r.diagnostics);
      for (const s of Object.values(r.config.scripts)) {
        // Keep every file the script line names that exists in the mirror (`/bin/sh /etc/keepalived/check.sh` → both).
        for (const word of s.script.split(/\s+/)) {
          const w = word.replace(/^['"]|['"]$/g, '');
          if (!w.startsWith('/')) continue;
          const t = fs.readFile(p(w));
          if (t !== undefined) mh.files[w] = t;
        }
      }
      // track_file state files: their current content decides a tracker nobody writes.
      for (const tf of Object.values(r.config.trackFiles)) {
        const t = tf.file.startsWith('/') ? fs.readFile(p(tf.file)) : undefined;
        if (t !== undefined) mh.files[tf.file] = t;
      }
    }
    if (endpoint.domain !== undefined) {
      const hostsFile = p(MIRROR_PATHS.hosts);
      const r = resolveInHostsFile(fs.readFile(hostsFile), endpoint.domain);
      if (r) mh.endpointResolution = { address: r.address, at: { file: hostsFile, line: r.line, col: 1 } };
    }
    const writes = systemdWrites(fs, p);
    if (writes.length > 0) mh.unitFileWrites = writes;
    const sysFiles = (fs.listDir(p(MIRROR_PATHS.sysctlDir)) ?? []).filter((f) => f.endsWith('.conf')).sort().map((f) => p(`${MIRROR_PATHS.sysctlDir}/${f}`));
    // `sysctl --system` applies /etc/sysctl.d/*.conf in order and /etc/sysctl.conf last.
    for (const f of [...sysFiles, p(MIRROR_PATHS.sysctlConf)]) {
      const t = fs.readFile(f);
      if (t === undefined) continue;
      const r = parseSysctl(t, f);
      Object.assign(mh.sysctl, r.values);
      hostDiags.push(...r.diagnostics);
    }
    const certText = fs.readFile(p(MIRROR_PATHS.apiserverCert));
    if (certText !== undefined) {
      const c = certificateSans(certText);
      if (!c) hostDiags.push({ code: 'MIRROR_BAD_CERT', severity: 'warning', message: 'apiserver.crt is not a PEM certificate', file: p(MIRROR_PATHS.apiserverCert) });
      else mh.apiserver = { port: DEFAULT_APISERVER_PORT, certSANs: c.sans, certFile: MIRROR_PATHS.apiserverCert };
    }
    for (const d of hostDiags) diagnostics.push({ ...d, host: h.name });
    model.hosts.push(mh);
  }

  // Apiservers: hosts whose address is a backend server of any haproxy.cfg (or of the external LB), or declared so.
  // A server written as a name matches the host of that name, or the address the LB host's /etc/hosts gives it.
  const backendPorts = new Map<string, number>();
  for (const mh of model.hosts) {
    if (!mh.haproxy) continue;
    let names: Map<string, string[]> | undefined;
    for (const b of mh.haproxy.backends)
      for (const s of b.servers) {
        if (s.port <= 0) continue;
        const keys = [s.address];
        if (!isIPAddress(s.address)) {
          names ??= parseHostsFile(fs.readFile(hostPath(manifestPath, mh.name, MIRROR_PATHS.hosts)) ?? '');
          const ip = names.get(s.address)?.[0];
          if (ip !== undefined) keys.push(ip);
        }
        for (const k of keys) if (!backendPorts.has(k)) backendPorts.set(k, s.port);
      }
  }
  for (const b of externalLb?.backends ?? []) if (!backendPorts.has(b.address)) backendPorts.set(b.address, b.port);
  const entryByName = new Map(hosts.map((h) => [h.name, h]));
  for (const mh of model.hosts) {
    const entry = entryByName.get(mh.name);
    const declared = entry?.apiserver;
    const fromBackend = backendPorts.get(mh.address) ?? backendPorts.get(mh.name);
    const port = typeof declared === 'number' ? declared : fromBackend ?? mh.apiserver?.port ?? DEFAULT_APISERVER_PORT;
    if (declared === false) delete mh.apiserver;
    else if (declared !== undefined || fromBackend !== undefined || mh.apiserver) mh.apiserver = { ...(mh.apiserver ?? {}), port };
  }
  return { model, diagnostics };
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
  const dir = MIRROR_PATHS.systemdDir;
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

function hostPath(manifestPath: string, host: string, rel: string): string {
  return resolvePath(dirname(manifestPath), `${host}/${rel.replace(/^\//, '')}`);
}

/** `10.0.0.1:6443`, `[fd00::1]:6443`, `name:6443`. */
export function splitHostPort(s: string): { host: string; port: number } | undefined {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(s) ?? /^([^:\s]+):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const port = parseIntStrict(m[2] ?? '');
  if (port === undefined || port < 1 || port > 65535) return undefined;
  return { host: m[1] as string, port };
}

function endpointOf(n: YamlNode): Endpoint | undefined {
  if (isScalar(n)) {
    const e = splitHostPort(String(n.value));
    return e && isIPAddress(e.host) ? { address: e.host, port: e.port } : undefined;
  }
  if (isMap(n)) {
    const a = n.get('address');
    const p = n.get('port');
    if (typeof a === 'string' && isIPAddress(a) && typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 65535) return { address: a, port: p };
  }
  return undefined;
}
