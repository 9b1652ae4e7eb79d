import { isMap, isScalar, parse as parseYaml, parseAllDocuments, type Document } from 'yaml';
import { didYouMean, type Diagnostic } from '../../diag/diagnostic.js';
import {
  FileDiagnostics,
  REDACTED,
  ROLE_ORDER,
  commonSsh,
  hoistSsh,
  expandAnsibleRange,
  sniffFormat,
  isSecretKey,
  mapEndpoint,
  secretStars,
  maskSecretsInLine,
  normaliseVersion,
  str,
  yamlHint,
  yamlMessage,
  toDnsLabel,
  toInt,
  type ImportResult,
} from '../import-common.js';
import { isIPv4, notIPv4 } from '../../net/ipv4.js';
import type { HostInput, Role, SpecInput } from '../../cluster-spec/schema.js';
import { entries, plain, posOf, scalarText, type At } from '../../cluster-spec/yaml-nodes.js';

/**
 * Ansible INI inventory (KubeSphere's old installer `conf/hosts.ini`, kubespray's `inventory.ini`) plus an
 * optional vars file (`conf/common.yaml`, `group_vars/k8s_cluster/*.yml`) → our spec.
 * Group names of both: kube-master / kube_control_plane, kube-node / kube_node, etcd.
 */

/** Inventory groups that carry one of our roles. */
export const ROLE_GROUPS: Readonly<Record<string, Role>> = {
  'kube-master': 'control-plane',
  kube_master: 'control-plane',
  kube_control_plane: 'control-plane',
  'kube-control-plane': 'control-plane',
  masters: 'control-plane',
  master: 'control-plane',
  control_plane: 'control-plane',
  'kube-node': 'worker',
  kube_node: 'worker',
  nodes: 'worker',
  node: 'worker',
  workers: 'worker',
  worker: 'worker',
  etcd: 'etcd',
};

/** Host variables that have a place in our spec. */
const ADDRESS_VARS = ['ip', 'access_ip', 'ansible_host', 'ansible_ssh_host'];
const USER_VARS = ['ansible_user', 'ansible_ssh_user'];
const PORT_VARS = ['ansible_port', 'ansible_ssh_port'];
const KEY_VARS = ['ansible_ssh_private_key_file', 'ansible_private_key_file'];

interface Value {
  value: string;
  at: At;
  file: 'inventory' | 'vars';
}
interface InvHost {
  name: string;
  at: At;
  vars: Map<string, Value>;
  groups: Set<string>;
}
interface InvGroup {
  name: string;
  /** Header position of its first section. */
  at?: At;
  hosts: { name: string; at: At }[];
  children: { name: string; at: At }[];
  vars: Map<string, Value>;
}

export interface AnsibleImportOptions {
  /** Cluster name for metadata.name. @default "imported" */
  name?: string;
  /** The vars file (e.g. common.yaml): its path as the user named it, and its text. */
  vars?: { file: string; text: string };
}

export function importAnsible(text: string, file: string, opts: AnsibleImportOptions = {}): ImportResult {
  const d = new FileDiagnostics(file, text);
  const vd = opts.vars ? new FileDiagnostics(opts.vars.file, opts.vars.text) : undefined;
  const source = `ansible inventory ${file}${opts.vars ? ` with vars ${opts.vars.file}` : ''}`;
  const finish = (spec?: SpecInput): ImportResult => {
    const diagnostics: Diagnostic[] = [...d.finish(), ...(vd ? vd.finish() : [])];
    return spec && !diagnostics.some((x) => x.severity === 'error') ? { spec, diagnostics, source } : { diagnostics, source };
  };

  const sniffed = sniffFormat(text);
  if (sniffed?.format === 'kubekey' || sniffed?.format === 'kubeha') {
    const [what, hint] =
      sniffed.format === 'kubekey'
        ? ['a KubeKey config', 'import it with `kubeha import kubekey FILE`']
        : ['already a kubeha spec', 'run `kubeha check FILE` on it instead of importing it'];
    d.error('IMPORT_WRONG_FORMAT', `this is ${what}, not an ansible inventory`, { line: sniffed.line, col: 1, length: sniffed.length }, hint);
    return finish();
  }
  const { hosts, groups } = looksLikeYaml(text) ? parseYamlInventory(d) : parseInventory(d);
  const varsFile = vd && opts.vars ? readVarsFile(vd) : undefined;
  if (d.list.some((x) => x.severity === 'error') || vd?.list.some((x) => x.severity === 'error')) return finish();
  if (hosts.size === 0) {
    d.error('IMPORT_MISSING_HOSTS', 'the inventory lists no host', { line: 1, col: 1 }, 'list hosts under [all] with ansible_host=… ip=…, then put them into [kube-master], [kube-node] and [etcd]');
    return finish();
  }

  // Children must name known groups; membership is resolved through them.
  const known = new Set([...groups.keys(), 'all', 'ungrouped']);
  for (const g of groups.values()) {
    for (const c of g.children) {
      if (!known.has(c.name)) {
        const near = didYouMean(c.name, [...known]);
        d.error('IMPORT_UNKNOWN_GROUP', `[${g.name}:children] names group ${c.name}, which the inventory does not define`, c.at, near ? `did you mean ${near}?` : `add a [${c.name}] section, or remove it from [${g.name}:children]`);
      }
    }
  }
  if (d.list.some((x) => x.severity === 'error')) return finish();
  const membersOf = (name: string, seen = new Set<string>()): Set<string> => {
    const out = new Set<string>();
    if (name === 'all') return new Set(hosts.keys());
    if (seen.has(name)) return out;
    seen.add(name);
    const g = groups.get(name);
    if (!g) return out;
    for (const h of g.hosts) out.add(h.name);
    for (const c of g.children) for (const h of membersOf(c.name, seen)) out.add(h);
    return out;
  };
  for (const g of groups.keys()) for (const h of membersOf(g)) hosts.get(h)?.groups.add(g);

  // Roles, and an empty control-plane group is an error at its header.
  const roleOf = new Map<string, Set<Role>>();
  let sawControlPlaneGroup = false;
  for (const [gname, role] of Object.entries(ROLE_GROUPS)) {
    const g = groups.get(gname);
    if (!g) continue;
    const members = membersOf(gname);
    if (role === 'control-plane') {
      sawControlPlaneGroup = true;
      if (members.size === 0) {
        d.error('IMPORT_EMPTY_MASTER_GROUP', `[${gname}] lists no host: the cluster has no control plane`, g.at, `list the control-plane hosts under [${gname}] (3 for HA)`);
      }
    }
    for (const h of members) {
      const set = roleOf.get(h) ?? new Set<Role>();
      set.add(role);
      roleOf.set(h, set);
    }
  }
  if (!sawControlPlaneGroup) {
    d.error(
      'IMPORT_NO_CONTROL_PLANE',
      'the inventory has no control-plane group',
      { line: 1, col: 1 },
      `add [kube-master] (KubeSphere) or [kube_control_plane] (kubespray) listing the control-plane hosts; known groups: ${Object.keys(ROLE_GROUPS).join(', ')}`,
    );
  }
  if (d.list.some((x) => x.severity === 'error')) return finish();

  // Effective variables of a host: its own, then its groups', then [all:vars].
  const allVars = groups.get('all')?.vars ?? new Map<string, Value>();
  const hostVar = (h: InvHost, key: string): Value | undefined => {
    const own = h.vars.get(key);
    if (own) return own;
    for (const g of h.groups) {
      if (g === 'all') continue;
      const v = groups.get(g)?.vars.get(key);
      if (v) return v;
    }
    return allVars.get(key);
  };
  const diagFor = (v: Value): FileDiagnostics => (v.file === 'vars' && vd ? vd : d);

  // Secrets anywhere in the inventory: warned once each, never copied.
  const reportSecret = (key: string, v: Value, where: string): void => {
    const fd = diagFor(v);
    fd.secret(v.value);
    fd.warning(
      'IMPORT_PLAINTEXT_PASSWORD',
      `plain-text ${/pass/i.test(key) ? 'password' : 'secret'} ${key} for ${where} is not copied into the kubeha spec`,
      { ...v.at, length: secretStars(v.value).length },
      'kubeha logs in with SSH keys (ssh.keyFile or the SSH agent); use ansible-vault or keys instead of passwords in inventories',
    );
  };
  // A secret-looking pair inside another variable's value (`args=--token=abc`) is masked where the value is copied.
  const reportEmbedded = (key: string, v: Value, where: string): void => {
    const inside: string[] = [];
    maskSecretsInLine(v.value, inside);
    if (inside.length === 0) return;
    const fd = diagFor(v);
    for (const s of inside) fd.secret(s);
    fd.warning('IMPORT_PLAINTEXT_SECRET', `a secret-looking assignment inside ${key} for ${where} is masked, not copied into the kubeha spec`, v.at, 'keep secrets out of inventories: ansible-vault, or SSH keys for logins');
  };
  const reportVar = (k: string, v: Value, where: string): void => {
    if (isSecretKey(k)) {
      if (v.value !== '') reportSecret(k, v, where);
    } else reportEmbedded(k, v, where);
  };
  for (const h of hosts.values()) for (const [k, v] of h.vars) reportVar(k, v, `host ${h.name}`);
  for (const g of groups.values()) for (const [k, v] of g.vars) reportVar(k, v, `group ${g.name}`);

  // Hosts.
  const specHosts: HostInput[] = [];
  const hostVars: Record<string, Record<string, string>> = {};
  const unused: InvHost[] = [];
  let jumpHost: string | undefined;
  const usedNames = new Map<string, string>();
  const controlPlaneAddresses: string[] = [];
  for (const h of hosts.values()) {
    const roles = roleOf.get(h.name);
    const addrVar = ADDRESS_VARS.map((k) => [k, h.vars.get(k)] as const).find(([, v]) => v !== undefined);
    const address = addrVar?.[1]?.value ?? (isIPv4(h.name) ? h.name : undefined);
    const extras: Record<string, string> = {};
    for (const [k, v] of h.vars) {
      if (k === addrVar?.[0] && k !== 'ansible_host' && k !== 'ansible_ssh_host') continue;
      if (USER_VARS.includes(k) || PORT_VARS.includes(k) || KEY_VARS.includes(k)) continue;
      extras[k] = isSecretKey(k) ? REDACTED : maskSecretsInLine(v.value);
    }
    if (!roles || roles.size === 0) {
      if (h.groups.has('bastion')) {
        // kubespray's [bastion]: every host is reached through it; kubeha's ssh.jumpHost does the same.
        const sshHost = h.vars.get('ansible_host')?.value ?? address ?? h.name;
        const user = USER_VARS.map((k) => hostVar(h, k)).find((v) => v !== undefined)?.value;
        const port = PORT_VARS.map((k) => hostVar(h, k)).find((v) => v !== undefined)?.value ?? h.vars.get('__port')?.value;
        jumpHost = `${user ? `${user}@` : ''}${sshHost}${port && port !== '22' ? `:${port}` : ''}`;
        d.info('IMPORT_BASTION', `host ${h.name} in [bastion] becomes ssh.jumpHost ${jumpHost}: kubeha reaches every host through it`, h.at);
        continue;
      }
      unused.push(h);
      hostVars[h.name] = { ...extras, ...(address ? { address } : {}), unused: 'true' };
      continue;
    }
    if (!address) {
      d.error('IMPORT_MISSING_FIELD', `host ${h.name} has no address (ip=, access_ip= or ansible_host=)`, h.at, `write: ${h.name} ansible_host=10.0.0.11 ip=10.0.0.11`);
      continue;
    }
    if (!isIPv4(address)) {
      const why = notIPv4(address);
      d.error('IMPORT_BAD_ADDRESS', `host ${h.name}: "${address}" ${why.what}`, addrVar?.[1]?.at ?? h.at, `${why.hint}; in the inventory: ip=ADDRESS`);
      continue;
    }
    const sshHost = h.vars.get('ansible_host') ?? h.vars.get('ansible_ssh_host');
    if (sshHost && sshHost.value !== address) {
      d.warning(
        'IMPORT_TWO_ADDRESSES',
        `host ${h.name}: kubeha uses ip ${address} for both SSH and the cluster; ansible_host ${sshHost.value} is kept in passthrough`,
        sshHost.at,
        'kubeha must reach the cluster addresses (run it from a machine in that network, or set ssh.jumpHost)',
      );
    } else if (sshHost) {
      delete extras['ansible_host'];
      delete extras['ansible_ssh_host'];
    }
    const name = toDnsLabel(h.name);
    const clash = usedNames.get(name);
    if (clash !== undefined) {
      d.error('IMPORT_DUPLICATE_HOST', `hosts ${clash} and ${h.name} both become "${name}" in kubeha (names are lower-case DNS labels)`, h.at, 'rename one of them');
      continue;
    }
    usedNames.set(name, h.name);
    if (name !== h.name) {
      extras['inventory_hostname'] = h.name;
      d.info('IMPORT_HOST_RENAMED', `host ${h.name} is named ${name} in kubeha (lower-case DNS label)`, h.at);
    }
    const conn = h.vars.get('ansible_connection');
    if (conn?.value === 'local') {
      d.info('IMPORT_LOCAL_CONNECTION', `host ${h.name} uses ansible_connection=local; kubeha reaches every host over SSH, also this one`, conn.at, 'make sure sshd runs on it and accepts kubeha\'s key');
    }
    const ssh: NonNullable<HostInput['ssh']> = {};
    const user = USER_VARS.map((k) => hostVar(h, k)).find((v) => v !== undefined);
    if (user) ssh.user = user.value;
    const portVar = PORT_VARS.map((k) => hostVar(h, k)).find((v) => v !== undefined) ?? h.vars.get('__port');
    if (portVar) {
      const p = toInt(portVar.value);
      if (p === undefined || p < 1 || p > 65535) diagFor(portVar).error('IMPORT_BAD_PORT', `host ${h.name}: SSH port ${portVar.value} is not a number in 1-65535`, portVar.at);
      else ssh.port = p;
    }
    delete extras['__port'];
    const key = KEY_VARS.map((k) => hostVar(h, k)).find((v) => v !== undefined);
    if (key) ssh.keyFile = key.value;
    const host: HostInput = { name, address, roles: ROLE_ORDER.filter((r) => roles.has(r)) };
    if (Object.keys(ssh).length > 0) host.ssh = ssh;
    if (host.roles.includes('control-plane')) controlPlaneAddresses.push(address);
    specHosts.push(host);
    if (Object.keys(extras).length > 0) hostVars[name] = extras;
  }
  if (unused.length > 0) {
    d.warning(
      'IMPORT_HOST_WITHOUT_ROLE',
      `host(s) ${unused.map((h) => h.name).join(', ')} are in no control-plane, worker or etcd group; the spec leaves them out (kept in passthrough)`,
      unused[0]?.at,
      'add them to [kube-node] (or another role group) if they belong to the cluster',
    );
  }
  if (d.list.some((x) => x.severity === 'error') || vd?.list.some((x) => x.severity === 'error')) return finish();

  // Cluster variables: [all:vars] and [k8s-cluster:vars] of the inventory, overridden by the vars file.
  const clusterVars = new Map<string, { value: unknown; at?: At; fd: FileDiagnostics }>();
  for (const gname of ['all', 'k8s-cluster', 'k8s_cluster']) {
    for (const [k, v] of groups.get(gname)?.vars ?? []) clusterVars.set(k, { value: v.value, at: v.at, fd: d });
  }
  if (varsFile && vd) for (const [k, v] of varsFile) clusterVars.set(k, { value: v.value, at: v.at, fd: vd });

  const cp: NonNullable<SpecInput['controlPlane']> = {};
  const network: NonNullable<SpecInput['network']> = {};
  const passVars: Record<string, unknown> = {};
  let lbAddress: string | undefined;
  let lbPort: number | undefined;
  let domain: string | undefined;
  let lbAt: At | undefined;
  let lbFd: FileDiagnostics = d;
  const isTemplate = (v: unknown): boolean => typeof v === 'string' && v.includes('{{');
  // Secret-looking pairs inside a copied value are masked (and were reported with the variable).
  const copied = (v: unknown): unknown => (typeof v === 'string' ? maskSecretsInLine(v) : v);
  for (const [k, entry] of clusterVars) {
    const { value, at, fd } = entry;
    if (USER_VARS.includes(k) || PORT_VARS.includes(k) || KEY_VARS.includes(k) || isSecretKey(k)) {
      if (isSecretKey(k) && value !== '') passVars[k] = REDACTED;
      continue; // applied per host above, or a secret already reported
    }
    if (isTemplate(value)) {
      passVars[k] = copied(value);
      fd.info('IMPORT_TEMPLATE', `${k} is a Jinja template; kubeha does not evaluate templates, the value is kept in passthrough`, at);
      continue;
    }
    const s = typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
    switch (k) {
      case 'loadbalancer_apiserver': {
        // In an INI inventory the value is text: `loadbalancer_apiserver={"address": "10.0.0.100", "port": 6443}`.
        const parsedValue = typeof value === 'string' ? flowValue(value) : value;
        const o = parsedValue && typeof parsedValue === 'object' ? (parsedValue as Record<string, unknown>) : {};
        if (Object.keys(o).length === 0) {
          fd.warning('IMPORT_BAD_VALUE', 'loadbalancer_apiserver is not a mapping with address and port; ignored', at, 'write loadbalancer_apiserver: {address: 10.0.0.100, port: 6443}');
        }
        lbAddress = typeof o['address'] === 'string' ? o['address'] : undefined;
        lbPort = toInt(o['port']);
        lbAt = at;
        lbFd = fd;
        if (o['port'] !== undefined && (lbPort === undefined || lbPort < 1 || lbPort > 65535)) {
          fd.error('IMPORT_BAD_PORT', `loadbalancer_apiserver.port ${str(o['port'])} is not a number in 1-65535`, at);
        }
        if (lbAddress !== undefined && !isIPv4(lbAddress)) {
          const why = notIPv4(lbAddress);
          fd.error('IMPORT_BAD_ADDRESS', `loadbalancer_apiserver.address "${lbAddress}" ${why.what}`, at, `${why.hint}; here: the address (VIP) of the load balancer`);
        }
        const rest = { ...o };
        delete rest['address'];
        delete rest['port'];
        if (Object.keys(rest).length > 0) passVars[k] = rest;
        break;
      }
      case 'apiserver_loadbalancer_domain_name':
        if (s) domain = s;
        break;
      case 'kube_version': {
        const ver = s ? normaliseVersion(s) : undefined;
        if (ver) cp.version = ver;
        else fd.warning('IMPORT_VERSION', `kube_version "${s ?? ''}" is not a version such as v1.30.4; kubeha's default is used`, at);
        break;
      }
      case 'kube_network_plugin':
        if (s) network.plugin = s;
        break;
      case 'kube_pods_subnet':
        if (s) network.podCIDR = s;
        break;
      case 'kube_service_addresses':
        if (s) network.serviceCIDR = s;
        break;
      case 'dns_domain':
        if (s) network.dnsDomain = s;
        break;
      case 'kube_apiserver_port': {
        const p = toInt(value);
        if (p !== undefined && p >= 1 && p <= 65535) cp.apiserverPort = p;
        else fd.error('IMPORT_BAD_PORT', `kube_apiserver_port ${s ?? ''} is not a number in 1-65535`, at);
        break;
      }
      case 'supplementary_addresses_in_ssl_keys':
        if (Array.isArray(value)) cp.certSANs = value.map(String);
        break;
      case 'loadbalancer_apiserver_localhost':
      case 'loadbalancer_apiserver_type':
        passVars[k] = value;
        fd.info(
          'IMPORT_INTERNAL_LB',
          `${k}: a node-local proxy (nginx/haproxy on every node) towards the apiservers; kept in passthrough, kubeha models the endpoint clients use`,
          at,
          'to let kubeha run keepalived+HAProxy with a VIP, add two hosts with role loadbalancer and set loadBalancer.mode: keepalived-haproxy',
        );
        break;
      default:
        passVars[k] = copied(value);
    }
  }

  const { loadBalancer, endpoint } = mapEndpoint(
    { address: lbAddress, domain, port: lbPort, controlPlaneAddresses },
    lbFd,
    lbAt ?? (vd ? { line: 1, col: 1 } : undefined),
    { addressField: 'loadbalancer_apiserver.address', tool: 'the installer' },
  );

  // Passthrough: what has no place in the spec.
  const passGroups: Record<string, unknown> = {};
  for (const g of groups.values()) {
    if (ROLE_GROUPS[g.name] && g.vars.size === 0) continue;
    const entry: Record<string, unknown> = {};
    if (!ROLE_GROUPS[g.name] && g.name !== 'all' && g.hosts.length > 0) entry['hosts'] = g.hosts.map((h) => h.name);
    if (g.children.length > 0) entry['children'] = g.children.map((c) => c.name);
    const vars: Record<string, string> = {};
    for (const [k, v] of g.vars) if (!['all', 'k8s-cluster', 'k8s_cluster'].includes(g.name) || !clusterVarMapped(k)) vars[k] = isSecretKey(k) ? REDACTED : maskSecretsInLine(v.value);
    if (Object.keys(vars).length > 0) entry['vars'] = vars;
    if (Object.keys(entry).length > 0 && g.name !== 'ungrouped') passGroups[g.name] = entry;
  }
  const pass: Record<string, unknown> = {};
  if (Object.keys(hostVars).length > 0) pass['hostVars'] = hostVars;
  if (Object.keys(passGroups).length > 0) pass['groups'] = passGroups;
  if (Object.keys(passVars).length > 0) pass['vars'] = passVars;
  const kept: string[] = [];
  if (pass['hostVars']) kept.push(`host variables of ${Object.keys(hostVars).join(', ')}`);
  if (pass['groups']) kept.push(`groups ${Object.keys(passGroups).join(', ')}`);
  if (pass['vars']) kept.push(`variables ${Object.keys(passVars).join(', ')}`);
  if (kept.length > 0) {
    d.info('IMPORT_PASSTHROUGH', `kept in passthrough.ansible (kubeha does not use them): ${kept.join('; ')}`, undefined, 'review them; settings you no longer need can be deleted from passthrough');
  }
  if (d.list.some((x) => x.severity === 'error') || vd?.list.some((x) => x.severity === 'error')) return finish();

  const spec = { apiVersion: 'kubeha.io/v1alpha1', kind: 'Cluster', metadata: { name: toDnsLabel(opts.name ?? 'imported') } } as SpecInput;
  const ssh = commonSsh(specHosts);
  if (ssh || jumpHost) spec.ssh = { ...(ssh ?? {}), ...(jumpHost ? { jumpHost } : {}) };
  spec.hosts = hoistSsh(specHosts);
  spec.loadBalancer = loadBalancer;
  spec.controlPlane = { endpoint, ...cp };
  if (Object.keys(network).length > 0) spec.network = network;
  if (Object.keys(pass).length > 0) spec.passthrough = { ansible: pass };
  return finish(spec);
}

const MAPPED_CLUSTER_VARS = new Set([
  'loadbalancer_apiserver',
  'apiserver_loadbalancer_domain_name',
  'kube_version',
  'kube_network_plugin',
  'kube_pods_subnet',
  'kube_service_addresses',
  'dns_domain',
  'kube_apiserver_port',
  'supplementary_addresses_in_ssl_keys',
]);
function clusterVarMapped(k: string): boolean {
  return MAPPED_CLUSTER_VARS.has(k) || USER_VARS.includes(k) || PORT_VARS.includes(k) || KEY_VARS.includes(k) || isSecretKey(k);
}

// --- the INI parser --------------------------------------------------------------------------------------

/** A word of a line with its 1-based column and length in the source. */
interface Word {
  text: string;
  col: number;
  length: number;
}

/** Splits a line like a shell: whitespace-separated, quotes group, `#` starts a comment at a word start. */
function words(line: string): Word[] | { error: string; col: number } {
  const out: Word[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i] ?? '')) i++;
    if (i >= line.length || line[i] === '#' || line[i] === ';') break;
    const start = i;
    let text = '';
    while (i < line.length && !/\s/.test(line[i] ?? '')) {
      const c = line[i] ?? '';
      if (c === '"' || c === "'") {
        const end = line.indexOf(c, i + 1);
        if (end < 0) return { error: `unterminated ${c === '"' ? 'double' : 'single'} quote`, col: i + 1 };
        text += line.slice(i + 1, end);
        i = end + 1;
      } else {
        text += c;
        i++;
      }
    }
    out.push({ text, col: start + 1, length: i - start });
  }
  return out;
}

function parseInventory(d: FileDiagnostics): { hosts: Map<string, InvHost>; groups: Map<string, InvGroup> } {
  const hosts = new Map<string, InvHost>();
  const groups = new Map<string, InvGroup>();
  const group = (name: string, at?: At): InvGroup => {
    let g = groups.get(name);
    if (!g) {
      g = { name, hosts: [], children: [], vars: new Map() };
      groups.set(name, g);
    }
    if (at && !g.at) g.at = at;
    return g;
  };
  let section: { group: InvGroup; kind: 'hosts' | 'vars' | 'children' } = { group: group('ungrouped'), kind: 'hosts' };
  const lines = d.text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const raw = (lines[n] ?? '').replace(/\r$/, '');
    const lineNo = n + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    const indent = raw.length - raw.trimStart().length;
    if (trimmed.startsWith('[')) {
      const m = /^\[([^\]\s]+)\]\s*([#;].*)?$/.exec(trimmed);
      if (!m) {
        d.error('IMPORT_INI_SYNTAX', 'malformed section header', { line: lineNo, col: indent + 1, length: trimmed.length }, 'write a header as [group], [group:vars] or [group:children]');
        continue;
      }
      const header = m[1] ?? '';
      const at = { line: lineNo, col: indent + 1, length: header.length + 2 };
      const [gname = '', suffix, more] = header.split(':');
      if (more !== undefined || (suffix !== undefined && suffix !== 'vars' && suffix !== 'children') || gname === '') {
        d.error('IMPORT_INI_SYNTAX', `section [${header}]: the suffix must be :vars or :children`, at, 'write [group], [group:vars] or [group:children]');
        continue;
      }
      section = { group: group(gname, at), kind: suffix === 'vars' ? 'vars' : suffix === 'children' ? 'children' : 'hosts' };
      continue;
    }
    if (section.kind === 'vars') {
      const m = /^([A-Za-z_][\w.-]*)\s*=\s*(.*)$/.exec(trimmed);
      if (!m) {
        d.error('IMPORT_INI_SYNTAX', `a line of [${section.group.name}:vars] must be key=value`, { line: lineNo, col: indent + 1, length: trimmed.length }, 'write one variable per line: name=value');
        continue;
      }
      const key = m[1] ?? '';
      const valueText = stripComment(m[2] ?? '');
      const valueCol = indent + 1 + trimmed.indexOf(m[2] ?? '', key.length);
      section.group.vars.set(key, { value: unquote(valueText), at: { line: lineNo, col: valueCol, length: Math.max(1, valueText.length) }, file: 'inventory' });
      continue;
    }
    const ws = words(raw);
    if (!Array.isArray(ws)) {
      d.error('IMPORT_INI_SYNTAX', ws.error, { line: lineNo, col: ws.col }, 'close the quote');
      continue;
    }
    const [first, ...rest] = ws;
    if (!first) continue;
    if (section.kind === 'children') {
      if (rest.length > 0) {
        d.error('IMPORT_INI_SYNTAX', `a line of [${section.group.name}:children] names one group`, { line: lineNo, col: rest[0]?.col ?? 1, length: rest[0]?.length ?? 1 }, 'put one group name per line; host variables belong in [all]');
        continue;
      }
      section.group.children.push({ name: first.text, at: { line: lineNo, col: first.col, length: first.length } });
      continue;
    }
    // A host line: pattern[:port] key=value…
    let pattern = first.text;
    let port: string | undefined;
    const pm = /^([^:[\]]+(?:\[[^\]]*\][^:[\]]*)*):(\d+)$/.exec(pattern);
    if (pm) {
      pattern = pm[1] ?? pattern;
      port = pm[2];
    }
    const expanded = expandAnsibleRange(pattern);
    const firstAt = { line: lineNo, col: first.col, length: first.length };
    if (expanded !== undefined && !Array.isArray(expanded)) {
      d.error('IMPORT_INI_SYNTAX', `host pattern ${first.text}: ${expanded.error}`, firstAt, 'a range looks like node[01:03] or node[a:c]');
      continue;
    }
    if (/[=]/.test(pattern)) {
      d.error('IMPORT_INI_SYNTAX', `a host line starts with the host name, not ${first.text}`, firstAt, 'write: name key=value …');
      continue;
    }
    const vars = new Map<string, Value>();
    let bad = false;
    for (const w of rest) {
      const eq = w.text.indexOf('=');
      if (eq <= 0) {
        d.error('IMPORT_INI_SYNTAX', `"${w.text}" is not a key=value host variable`, { line: lineNo, col: w.col, length: w.length }, 'write host variables as key=value, without spaces around "="');
        bad = true;
        break;
      }
      const key = w.text.slice(0, eq);
      const value = w.text.slice(eq + 1);
      const rawEq = raw.indexOf('=', w.col - 1);
      vars.set(key, { value, at: { line: lineNo, col: rawEq + 2, length: Math.max(1, w.col - 1 + w.length - rawEq - 1) }, file: 'inventory' });
    }
    if (bad) continue;
    if (port !== undefined) vars.set('__port', { value: port, at: firstAt, file: 'inventory' });
    for (const name of expanded ?? [pattern]) {
      let h = hosts.get(name);
      if (!h) {
        h = { name, at: firstAt, vars: new Map(), groups: new Set() };
        hosts.set(name, h);
      }
      for (const [k, v] of vars) h.vars.set(k, v);
      section.group.hosts.push({ name, at: firstAt });
    }
  }
  return { hosts, groups };
}

/** A YAML inventory (`all: {hosts, children, vars}`) rather than INI: its first significant line is `key:`. */
function looksLikeYaml(text: string): boolean {
  for (const raw of text.split('\n')) {
    const t = raw.trim();
    if (t === '' || t.startsWith('#') || t.startsWith(';')) continue;
    return t === '---' || /^[\w.-]+:(\s|$)/.test(t);
  }
  return false;
}

/**
 * ansible's YAML inventory format (kubespray's hosts.yaml): groups nest under `children`, each with `hosts`
 * (name → variables) and `vars`. Produces the same hosts/groups as the INI parser.
 */
function parseYamlInventory(d: FileDiagnostics): { hosts: Map<string, InvHost>; groups: Map<string, InvGroup> } {
  const hosts = new Map<string, InvHost>();
  const groups = new Map<string, InvGroup>();
  const parsed = parseAllDocuments(d.text, { prettyErrors: false });
  const docs: Document[] = Array.isArray(parsed) ? parsed : [];
  for (const doc of docs) {
    for (const err of doc.errors) {
      d.error('IMPORT_YAML_SYNTAX', yamlMessage(err.message), d.at(err.pos[0], Math.max(1, err.pos[1] - err.pos[0])), yamlHint(err.code));
    }
  }
  const doc = docs.find((x) => x.contents !== null);
  if (d.list.length > 0 || !doc) return { hosts, groups };
  if (!isMap(doc.contents)) {
    d.error('IMPORT_INI_SYNTAX', 'a YAML inventory is a mapping of groups (all: {hosts: …, children: …})', posOf(d, doc.contents), 'see the ansible inventory documentation, or use the INI format');
    return { hosts, groups };
  }
  const text = (node: unknown): string => {
    const s = scalarText(node);
    if (s !== undefined) return s;
    const v = plain(doc, node, d, '');
    return v === null || v === undefined ? '' : JSON.stringify(v);
  };
  const varsOf = (node: unknown): Map<string, Value> => {
    const out = new Map<string, Value>();
    for (const [k, pair] of entries(node)) {
      const at = posOf(d, pair.value) ?? posOf(d, pair.key) ?? { line: 1, col: 1, length: 1 };
      out.set(k, { value: isSecretKey(k) ? (scalarText(pair.value) ?? '') : text(pair.value), at, file: 'inventory' });
    }
    return out;
  };
  const walk = (name: string, keyNode: unknown, node: unknown): InvGroup => {
    const at = posOf(d, keyNode);
    let g = groups.get(name);
    if (!g) {
      g = { name, hosts: [], children: [], vars: new Map() };
      groups.set(name, g);
    }
    if (at && !g.at) g.at = at;
    if (node !== null && node !== undefined && !isMap(node) && !(isScalar(node) && node.value === null)) {
      d.error('IMPORT_INI_SYNTAX', `group ${name} must be a mapping with hosts, children and vars`, posOf(d, node));
      return g;
    }
    for (const [k, pair] of entries(node)) {
      if (k === 'hosts') {
        for (const [hname, hpair] of entries(pair.value)) {
          const hat = posOf(d, hpair.key) ?? { line: 1, col: 1, length: 1 };
          const expanded = expandAnsibleRange(hname);
          if (expanded !== undefined && !Array.isArray(expanded)) {
            d.error('IMPORT_INI_SYNTAX', `host pattern ${hname}: ${expanded.error}`, hat, 'a range looks like node[01:03] or node[a:c]');
            continue;
          }
          const vars = varsOf(hpair.value);
          for (const h of expanded ?? [hname]) {
            let host = hosts.get(h);
            if (!host) {
              host = { name: h, at: hat, vars: new Map(), groups: new Set() };
              hosts.set(h, host);
            }
            for (const [vk, vv] of vars) host.vars.set(vk, vv);
            g.hosts.push({ name: h, at: hat });
          }
        }
      } else if (k === 'children') {
        for (const [cname, cpair] of entries(pair.value)) {
          g.children.push({ name: cname, at: posOf(d, cpair.key) ?? { line: 1, col: 1, length: 1 } });
          walk(cname, cpair.key, cpair.value);
        }
      } else if (k === 'vars') {
        for (const [vk, vv] of varsOf(pair.value)) g.vars.set(vk, vv);
      } else {
        d.error('IMPORT_INI_SYNTAX', `group ${name}: unknown key ${k}`, posOf(d, pair.key), 'a group holds hosts, children and vars');
      }
    }
    return g;
  };
  for (const [name, pair] of entries(doc.contents)) walk(name, pair.key, pair.value);
  return { hosts, groups };
}

/** A YAML/JSON flow value written as INI text, or undefined when it is not one. */
function flowValue(text: string): unknown {
  if (!/^\s*[{[]/.test(text)) return undefined;
  try {
    return parseYaml(text) as unknown;
  } catch {
    return undefined;
  }
}

function stripComment(s: string): string {
  const m = /^(.*?)\s+[#;].*$/.exec(s);
  return (m ? (m[1] ?? s) : s).trim();
}

function unquote(s: string): string {
  return /^(["']).*\1$/.test(s) && s.length >= 2 ? s.slice(1, -1) : s;
}

/** The vars file as key → value with positions; errors (syntax, not a mapping) go to its diagnostics. */
function readVarsFile(vd: FileDiagnostics): Map<string, { value: unknown; at?: At }> {
  const out = new Map<string, { value: unknown; at?: At }>();
  const parsed = parseAllDocuments(vd.text, { prettyErrors: false });
  const docs: Document[] = Array.isArray(parsed) ? parsed : [];
  for (const doc of docs) {
    for (const err of doc.errors) {
      vd.error('IMPORT_YAML_SYNTAX', yamlMessage(err.message), vd.at(err.pos[0], Math.max(1, err.pos[1] - err.pos[0])), yamlHint(err.code));
    }
  }
  if (vd.list.length > 0) return out;
  const doc = docs.find((x) => x.contents !== null);
  if (!doc) return out; // an empty vars file (everything commented out) sets nothing
  if (!isMap(doc.contents)) {
    vd.error('IMPORT_VARS_NOT_MAPPING', 'the vars file must be a mapping of variable: value', posOf(vd, doc.contents), 'write one variable per line, e.g. kube_version: v1.30.4');
    return out;
  }
  for (const [k, pair] of entries(doc.contents)) {
    const value = isSecretKey(k) ? scalarText(pair.value) ?? '' : plain(doc, pair.value, vd, k);
    out.set(k, { value, at: posOf(vd, pair.value) ?? posOf(vd, pair.key) });
    if (isSecretKey(k) && value !== '') {
      vd.secret(String(value));
      vd.warning('IMPORT_PLAINTEXT_PASSWORD', `plain-text secret ${k} is not copied into the kubeha spec`, posOf(vd, pair.value), 'use ansible-vault or keep secrets out of vars files');
    }
  }
  return out;
}
