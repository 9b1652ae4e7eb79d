import { aliasProblem } from '../diag/yaml-aliases.js';
import { addDuplicateKeyErrors } from '../diag/yaml-keys.js';
import { yamlLib } from '../diag/yaml-lib.js';
import { plainYaml } from '../diag/yaml-plain.js';
import type { Node as YamlNode, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import type { Endpoint, ExternalLb, HaModel } from '../model/types.js';
import { HOST_PATHS, MANIFEST_FILE } from '../model/mirror-layout.js';
import { isIPAddress } from '../net/ipv4.js';
import type { FileSource } from './file-source.js';
import { hostPath } from './mirror-host.js';
import { DiagnosticSink, parseIntStrict } from './sink.js';
import { parseHostsFile } from './sysctl.js';

/**
 * The manifest of a mirror (`hosts.yaml`), read in stages: the YAML document, the hosts, the endpoint (resolved
 * through the hosts' /etc/hosts when it is a name), the domain, the external load balancer.
 *
 * Two engines, as for the spec (src/cluster-spec/load.ts): a clean manifest, the common case, is read from js-yaml's
 * plain values (`readCleanManifest`); as soon as anything is off (a YAML error, an alias, an unknown key, a value of
 * another type, anything that would be a diagnostic, even an info) the positioned path reads it from the start with
 * eemeli/yaml, which every diagnostic comes from. eemeli/yaml is then loaded on first use (src/diag/yaml-lib.ts):
 * `kubeha analyze` on a clean mirror does not load it (~50 ms of CPU, a quarter of the run).
 * test/parse/mirror-manifest-fast.test.ts holds the two paths to the same manifest.
 */

/** A host as the manifest lists it. */
export interface HostEntry {
  name: string;
  address: string;
  apiserver?: boolean | number;
}

export interface Manifest {
  hosts: HostEntry[];
  /** Undefined when it is missing, malformed or unresolved (an error diagnostic says why). */
  endpoint?: HaModel['endpoint'];
  externalLb?: ExternalLb;
}

type At = { line: number; col: number; length?: number } | undefined;

/** The parsed manifest document and what every stage needs to report on it. */
interface ManifestDoc {
  root: YAMLMap<unknown, unknown>;
  file: string;
  sink: DiagnosticSink;
  at: (n: YamlNode | null | undefined) => At;
}

const KNOWN_KEYS = ['endpoint', 'domain', 'hosts', 'externalLb'];

const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const DOMAIN = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const isDomain = (d: string): boolean => DOMAIN.test(d) && !isIPAddress(d);
const isPort = (p: unknown): p is number => typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 65535;

// eemeli/yaml's node tests, through the module loaded on first use.
const isMap = (n: unknown): n is YAMLMap<unknown, unknown> => yamlLib().isMap(n);
const isScalar = (n: unknown): n is Scalar<unknown> => yamlLib().isScalar(n);
const isSeq = (n: unknown): n is YAMLSeq<unknown> => yamlLib().isSeq(n);

/** Reads `manifestPath` of `fs`; undefined when the document itself is unusable (missing, not YAML, not a mapping). */
export function readManifest(fs: FileSource, manifestPath: string, sink: DiagnosticSink): Manifest | undefined {
  const text = fs.readFile(manifestPath);
  if (text !== undefined) {
    const clean = readCleanManifest(fs, manifestPath, text);
    if (clean) {
      sink.addFile(manifestPath, text);
      return clean;
    }
  }
  return readManifestWithPositions(fs, manifestPath, sink);
}

/**
 * The manifest from js-yaml's plain values, or undefined as soon as the positioned path would say anything at all
 * (error, warning or info) or a value is not of the plain type the positioned path reads it as: that path then
 * reads the text from the start.
 */
export function readCleanManifest(fs: FileSource, manifestPath: string, text: string): Manifest | undefined {
  const data = plainYaml(text);
  if (!isRecord(data) || Object.keys(data).some((k) => !KNOWN_KEYS.includes(k))) return undefined;
  if (!Array.isArray(data['hosts'])) return undefined;
  const hosts: HostEntry[] = [];
  const names = new Set<string>();
  const addresses = new Set<string>();
  for (const item of data['hosts'] as unknown[]) {
    if (!isRecord(item)) return undefined;
    const { name, address } = item;
    if (typeof name !== 'string' || !HOST_NAME.test(name) || typeof address !== 'string' || !isIPAddress(address)) return undefined;
    if (names.has(name) || addresses.has(address)) return undefined;
    const entry: HostEntry = { name, address };
    if ('apiserver' in item) {
      const api = item['apiserver'];
      if (typeof api === 'boolean' || isPort(api)) entry.apiserver = api;
      else return undefined;
    }
    hosts.push(entry);
    names.add(name);
    addresses.add(address);
  }
  const epText = data['endpoint'];
  const ep = typeof epText === 'string' ? splitHostPort(epText) : undefined;
  if (!ep) return undefined;
  let endpoint: HaModel['endpoint'];
  if (isIPAddress(ep.host)) endpoint = { address: ep.host, port: ep.port };
  else {
    const { first, answers } = resolveEndpointName(fs, manifestPath, hosts, ep.host);
    if (first === undefined || answers.size > 1) return undefined;
    endpoint = { address: first, port: ep.port, domain: ep.host };
  }
  if ('domain' in data) {
    const d = data['domain'];
    if (typeof d !== 'string' || !isDomain(d)) return undefined;
    endpoint = { ...endpoint, domain: d };
  }
  let externalLb: ExternalLb | undefined;
  if ('externalLb' in data) {
    const lb = data['externalLb'];
    if (!isRecord(lb)) return undefined;
    const { address, port, hairpin, healthCheck, backends } = lb;
    // An externalLb without hairpin is an info (the default is assumed): the positioned path says so.
    if (typeof address !== 'string' || !isIPAddress(address) || !isPort(port) || typeof hairpin !== 'boolean') return undefined;
    if (healthCheck !== undefined && typeof healthCheck !== 'boolean') return undefined;
    if (!Array.isArray(backends)) return undefined;
    externalLb = { address, port, hairpin, healthCheck: healthCheck ?? true, backends: [] };
    for (const b of backends as unknown[]) {
      const e = typeof b === 'string' ? splitHostPort(b) : undefined;
      if (e && isIPAddress(e.host)) externalLb.backends.push({ address: e.host, port: e.port });
      else if (isRecord(b) && typeof b['address'] === 'string' && isIPAddress(b['address']) && isPort(b['port'])) externalLb.backends.push({ address: b['address'], port: b['port'] });
      else return undefined;
    }
  }
  return { hosts, endpoint, ...(externalLb ? { externalLb } : {}) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The positioned path (eemeli/yaml): every diagnostic on the manifest comes from here. */
export function readManifestWithPositions(fs: FileSource, manifestPath: string, sink: DiagnosticSink): Manifest | undefined {
  const doc = readDocument(fs, manifestPath, sink);
  if (!doc) return undefined;
  const hosts = readHosts(doc);
  let endpoint = readEndpoint(doc, fs, manifestPath, hosts);
  const domain = readDomain(doc);
  if (domain !== undefined && endpoint) endpoint = { ...endpoint, domain };
  const externalLb = readExternalLb(doc);
  return { hosts, ...(endpoint ? { endpoint } : {}), ...(externalLb ? { externalLb } : {}) };
}

function readDocument(fs: FileSource, manifestPath: string, sink: DiagnosticSink): ManifestDoc | undefined {
  const file = manifestPath;
  const text = fs.readFile(manifestPath);
  if (text === undefined) {
    sink.error('MIRROR_MANIFEST_MISSING', `cannot read ${manifestPath}`, file, undefined, `a mirror DIR needs ${MANIFEST_FILE} with \`endpoint:\` and \`hosts:\``);
    return undefined;
  }
  sink.addFile(file, text);
  const { LineCounter, parseDocument } = yamlLib();
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false });
  addDuplicateKeyErrors(doc);
  for (const e of doc.errors) {
    const p = lc.linePos(e.pos[0]);
    sink.error('MIRROR_YAML_SYNTAX', e.message.split('\n')[0] ?? 'YAML syntax error', file, { line: p.line, col: p.col }, `${MANIFEST_FILE} is YAML: \`endpoint: <address>:<port>\` and \`hosts:\` as a list of \`{name, address}\``);
  }
  if (doc.errors.length > 0) return undefined;
  const alias = aliasProblem(doc);
  if (alias) {
    const p = lc.linePos(alias.offset);
    sink.error('MIRROR_YAML_SYNTAX', alias.message, file, { line: p.line, col: p.col, length: alias.length }, `${MANIFEST_FILE} needs no aliases: write \`endpoint:\` and \`hosts:\` out`);
    return undefined;
  }
  const at = (n: YamlNode | null | undefined): At => {
    if (!n?.range) return undefined;
    const p = lc.linePos(n.range[0]);
    return { line: p.line, col: p.col, length: Math.max(1, n.range[1] - n.range[0]) };
  };
  const root = doc.contents;
  if (!isMap(root)) {
    sink.error('MIRROR_BAD_MANIFEST', `${MANIFEST_FILE} must be a mapping with endpoint: and hosts:`, file, at(root) ?? { line: 1, col: 1 }, 'e.g. endpoint: 10.0.0.100:6443 and hosts: [{name: lb0, address: 10.0.0.10}]');
    return undefined;
  }
  for (const p of root.items) {
    const k = isScalar(p.key) ? String(p.key.value) : '';
    if (!KNOWN_KEYS.includes(k)) {
      sink.warning('MIRROR_UNKNOWN_KEY', `unknown key '${k}' in ${MANIFEST_FILE}`, file, at(p.key), `known keys: ${KNOWN_KEYS.join(', ')}`);
    }
  }
  return { root, file, sink, at };
}

function get(m: YAMLMap<unknown, unknown>, key: string): YamlNode | undefined {
  const pair = m.items.find((p) => isScalar(p.key) && p.key.value === key);
  return (pair?.value ?? undefined) as YamlNode | undefined;
}

/** `hosts:` — each `{name, address, apiserver?}`; a bad or duplicate entry is reported and left out. */
function readHosts({ root, file, sink, at }: ManifestDoc): HostEntry[] {
  const hostsNode = get(root, 'hosts');
  const hosts: HostEntry[] = [];
  const byName = new Map<string, HostEntry>();
  const byAddress = new Map<string, HostEntry>();
  if (!isSeq(hostsNode)) {
    sink.error('MIRROR_NO_HOSTS', `${MANIFEST_FILE} needs a \`hosts:\` list of {name, address}`, file, at(hostsNode) ?? { line: 1, col: 1 }, 'e.g. hosts: [{name: lb0, address: 10.0.0.10}] (the names are the host folders)');
    return hosts;
  }
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
    if (!HOST_NAME.test(nameV)) {
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
    const entry: HostEntry = { name: nameV, address: addrV };
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
  return hosts;
}

/** `endpoint:` — an address, or a name resolved through the hosts' own /etc/hosts. */
function readEndpoint({ root, file, sink, at }: ManifestDoc, fs: FileSource, manifestPath: string, hosts: HostEntry[]): HaModel['endpoint'] | undefined {
  const epNode = get(root, 'endpoint');
  const epText = isScalar(epNode) ? String(epNode.value) : undefined;
  const ep = epText !== undefined ? splitHostPort(epText) : undefined;
  if (!ep) {
    sink.error('MIRROR_BAD_ENDPOINT', '`endpoint:` must be <address>:<port> (or <name>:<port>)', file, at(epNode) ?? { line: 1, col: 1 }, 'e.g. endpoint: 10.0.0.10:6443');
    return undefined;
  }
  if (isIPAddress(ep.host)) return { address: ep.host, port: ep.port };
  const { first, answers } = resolveEndpointName(fs, manifestPath, hosts, ep.host);
  if (first === undefined) {
    sink.error('MIRROR_ENDPOINT_UNRESOLVED', `endpoint name '${ep.host}' is in no host's /etc/hosts`, file, at(epNode), 'write the address instead, or put the hosts files in the mirror');
    return undefined;
  }
  if (answers.size > 1) {
    const detail = [...answers].map(([a, hs]) => `${a} on ${hs.join(', ')}`).join('; ');
    sink.warning('MIRROR_ENDPOINT_AMBIGUOUS', `endpoint name '${ep.host}' resolves differently per host: ${detail}`, file, at(epNode), `using ${first}`);
  }
  return { address: first, port: ep.port, domain: ep.host };
}

/** The address each host's /etc/hosts gives the endpoint name (with the hosts that say so), and the one to use. */
function resolveEndpointName(fs: FileSource, manifestPath: string, hosts: HostEntry[], name: string): { first: string | undefined; answers: Map<string, string[]> } {
  const byName = new Map(hosts.map((h) => [h.name, h]));
  const answers = new Map<string, string[]>();
  for (const h of hosts) {
    const t = fs.readFile(hostPath(manifestPath, h.name, HOST_PATHS.hosts));
    const a = t !== undefined ? parseHostsFile(t).get(name)?.[0] : undefined;
    if (a !== undefined) answers.set(a, [...(answers.get(a) ?? []), h.name]);
  }
  // A host that maps the name to loopback or to itself (masters behind an LB without hairpin) says nothing about
  // the address the other clients use: prefer an answer that is neither.
  const selfish = (a: string, hs: string[]): boolean => a.startsWith('127.') || a === '::1' || hs.every((n) => byName.get(n)?.address === a);
  const first = [...answers].find(([a, hs]) => !selfish(a, hs))?.[0] ?? [...answers.keys()][0];
  return { first, answers };
}

/** `domain:` — the name clients use for the endpoint (kubeconfigs); each host resolves it through its own /etc/hosts. */
function readDomain({ root, file, sink, at }: ManifestDoc): string | undefined {
  const domainNode = get(root, 'domain');
  if (domainNode === undefined) return undefined;
  const d = isScalar(domainNode) ? String(domainNode.value) : '';
  if (!isDomain(d)) {
    sink.error('MIRROR_BAD_VALUE', '`domain` is a DNS name (the endpoint name in kubeconfigs)', file, at(domainNode), 'e.g. domain: api.example.internal');
    return undefined;
  }
  return d;
}

/** `externalLb:` — a cloud or hardware load balancer in front of the apiservers (no keepalived). */
function readExternalLb({ root, file, sink, at }: ManifestDoc): ExternalLb | undefined {
  const lbNode = get(root, 'externalLb');
  if (lbNode === undefined) return undefined;
  if (!isMap(lbNode)) {
    sink.error('MIRROR_BAD_VALUE', '`externalLb` is a mapping {address, port, hairpin, backends}', file, at(lbNode), 'e.g. externalLb: {address: 10.0.0.5, port: 6443, hairpin: false, backends: [10.0.0.21:6443]}');
    return undefined;
  }
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
  return lb;
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
