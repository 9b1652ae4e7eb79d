import { isMap, isScalar, isSeq, parseAllDocuments, type Document } from 'yaml';
import { didYouMean } from '../../diag/diagnostic.js';
import {
  FileDiagnostics,
  REDACTED,
  expandKubekeyRange,
  secretStars,
  sniffFormat,
  keysOf,
  mapEndpoint,
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
import { entries, gluedSecret, keyPos, pairOf, plain, posOf, reportSecret, scalarText, valueOf, type At } from '../../cluster-spec/yaml-nodes.js';

/**
 * KubeKey cluster config (kubekey.kubesphere.io/v1alpha1 or v1alpha2, `kind: Cluster`, possibly followed by
 * the ks-installer `ClusterConfiguration` document) → our spec. Formats checked against kubekey's
 * docs/config-example.md and cmd/kk/apis/kubekey/v1alpha2 (cluster_types.go, default.go).
 *
 * What has no place in our spec is kept under `passthrough.kubekey` (for `kubeha export kubekey`) and listed
 * in an info diagnostic. Plain-text passwords are reported and never copied.
 */

export const KUBEKEY_GROUP = 'kubekey.kubesphere.io';
const KNOWN_VERSIONS = ['v1alpha1', 'v1alpha2'];

/** KubeKey roleGroups → our roles (v1alpha2 accepts both master and control-plane). */
const ROLE_OF_GROUP: Readonly<Record<string, Role>> = { etcd: 'etcd', master: 'control-plane', 'control-plane': 'control-plane', worker: 'worker' };
/** Host fields with a place in our spec. */
const MAPPED_HOST_FIELDS = new Set(['name', 'address', 'internalAddress', 'port', 'user', 'password', 'privateKey', 'privateKeyPath', 'labels']);

export interface KubekeyPassthrough {
  /** apiVersion of the imported Cluster document. */
  apiVersion: string;
  /** Keys of Cluster.spec (and of its sub-objects) that kubeha does not model, secrets redacted. */
  spec: Record<string, unknown>;
  /** Per host: fields kubeha does not model (arch, timeout…), and `address` when the SSH address differed. */
  hosts: Record<string, Record<string, unknown>>;
  /** The other YAML documents of the file (e.g. ks-installer's ClusterConfiguration), verbatim but redacted. */
  documents: unknown[];
}

export interface ImportOptions {
  /** Cluster name for metadata.name; default: the Cluster's metadata.name. */
  name?: string;
}

export function importKubekey(text: string, file: string, opts: ImportOptions = {}): ImportResult {
  const d = new FileDiagnostics(file, text);
  const source = `KubeKey config ${file}`;
  const done = (spec?: SpecInput): ImportResult => {
    const diagnostics = d.finish();
    return spec && !diagnostics.some((x) => x.severity === 'error') ? { spec, diagnostics, source } : { diagnostics, source };
  };

  const sniffed = sniffFormat(text);
  if (sniffed?.format === 'ini-inventory') {
    d.error('IMPORT_WRONG_FORMAT', 'this is an ansible INI inventory, not a KubeKey config', { line: sniffed.line, col: 1, length: sniffed.length }, 'import it with `kubeha import ansible FILE` (add --vars for its group_vars/common.yaml)');
    return done();
  }
  const parsed = parseAllDocuments(text, { prettyErrors: false });
  const docs: Document[] = Array.isArray(parsed) ? parsed : [];
  for (const doc of docs) {
    for (const err of doc.errors) {
      d.error('IMPORT_YAML_SYNTAX', yamlMessage(err.message), d.at(err.pos[0], Math.max(1, err.pos[1] - err.pos[0])), yamlHint(err.code));
    }
  }
  if (d.list.length > 0) return done();
  const nonEmpty = docs.filter((doc) => doc.contents !== null);
  if (nonEmpty.length === 0) {
    d.error('IMPORT_EMPTY', 'the file holds no YAML document', { line: 1, col: 1 }, 'pass the config-sample.yaml written by `kk create config`');
    return done();
  }

  // The KubeKey Cluster document; others are carried through.
  let cluster: Document | undefined;
  for (const doc of nonEmpty) {
    const kind = scalarText(valueOf(doc.contents, 'kind'));
    const apiVersion = scalarText(valueOf(doc.contents, 'apiVersion')) ?? '';
    if (kind === 'Cluster' && apiVersion.startsWith(`${KUBEKEY_GROUP}/`)) {
      cluster = doc;
      break;
    }
  }
  if (!cluster) {
    wrongKind(d, nonEmpty[0] as Document);
    return done();
  }
  const root = cluster.contents;
  const apiVersion = scalarText(valueOf(root, 'apiVersion')) ?? '';
  const version = apiVersion.slice(KUBEKEY_GROUP.length + 1);
  if (!KNOWN_VERSIONS.includes(version)) {
    d.warning('IMPORT_KUBEKEY_VERSION', `apiVersion ${apiVersion} is not one kubeha knows (${KNOWN_VERSIONS.join(', ')}); importing it as v1alpha2`, posOf(d, valueOf(root, 'apiVersion')));
  }
  const specNode = valueOf(root, 'spec');
  if (!isMap(specNode)) {
    d.error('IMPORT_MISSING_FIELD', 'the Cluster document has no `spec` mapping', keyPos(d, root, 'spec') ?? { line: 1, col: 1 }, 'a KubeKey config has spec.hosts, spec.roleGroups and spec.controlPlaneEndpoint');
    return done();
  }

  const pass: KubekeyPassthrough = { apiVersion, spec: {}, hosts: {}, documents: [] };

  // --- hosts -------------------------------------------------------------------------------------------
  const hostsNode = valueOf(specNode, 'hosts');
  if (!isSeq(hostsNode) || hostsNode.items.length === 0) {
    d.error(
      'IMPORT_MISSING_HOSTS',
      isSeq(hostsNode) ? 'spec.hosts is empty' : hostsNode === undefined ? 'spec.hosts is missing' : 'spec.hosts must be a list of hosts',
      hostsNode === undefined ? keyPos(d, root, 'spec') : keyPos(d, specNode, 'hosts'),
      'list every machine: - {name: master1, address: 10.0.0.11, internalAddress: 10.0.0.11, privateKeyPath: ~/.ssh/id_rsa}',
    );
    return done();
  }
  interface Draft {
    host: HostInput;
    original: string;
    at: At | undefined;
    sshAddress?: string;
  }
  const drafts = new Map<string, Draft>(); // by KubeKey name
  const usedNames = new Map<string, string>(); // our name → KubeKey name
  const usedAddresses = new Map<string, string>();
  for (const item of hostsNode.items) {
    const at = posOf(d, item);
    if (!isMap(item)) {
      d.error('IMPORT_BAD_HOST', 'a host must be a mapping such as {name: node1, address: 10.0.0.11}', at);
      continue;
    }
    const nameNode = valueOf(item, 'name');
    const kkName = scalarText(nameNode);
    if (!kkName) {
      d.error('IMPORT_MISSING_FIELD', 'host without a `name`', at, 'give every host a name; roleGroups refer to hosts by name');
      continue;
    }
    if (drafts.has(kkName)) {
      d.error('IMPORT_DUPLICATE_HOST', `host name ${kkName} appears twice in spec.hosts`, posOf(d, nameNode), 'host names must be unique');
      continue;
    }
    const address = scalarText(valueOf(item, 'address'))?.trim() || undefined;
    const internal = scalarText(valueOf(item, 'internalAddress'))?.split(',')[0]?.trim() || undefined;
    const clusterAddress = internal ?? address;
    if (!clusterAddress) {
      d.error('IMPORT_MISSING_FIELD', `host ${kkName} has neither address nor internalAddress`, at, 'add internalAddress: the IPv4 address the cluster uses');
      continue;
    }
    if (!isIPv4(clusterAddress)) {
      const why = notIPv4(clusterAddress);
      d.error('IMPORT_BAD_ADDRESS', `host ${kkName}: "${clusterAddress}" ${why.what}`, posOf(d, valueOf(item, internal ? 'internalAddress' : 'address')), why.hint);
      continue;
    }
    const name = toDnsLabel(kkName);
    const clash = usedNames.get(name);
    if (clash !== undefined) {
      d.error('IMPORT_DUPLICATE_HOST', `hosts ${clash} and ${kkName} both become "${name}" in kubeha (names are lower-case DNS labels)`, posOf(d, nameNode), 'rename one of them');
      continue;
    }
    const other = usedAddresses.get(clusterAddress);
    if (other !== undefined) d.warning('IMPORT_DUPLICATE_ADDRESS', `hosts ${other} and ${kkName} share the address ${clusterAddress}`, at);
    usedAddresses.set(clusterAddress, kkName);
    usedNames.set(name, kkName);
    const host: HostInput = { name, address: clusterAddress, roles: [] };
    const draft: Draft = { host, original: kkName, at };
    const extras: Record<string, unknown> = {};
    if (name !== kkName) {
      extras['name'] = kkName;
      d.info('IMPORT_HOST_RENAMED', `host ${kkName} is named ${name} in kubeha (lower-case DNS label); export restores ${kkName}`, posOf(d, nameNode));
    }
    if (address && internal && address !== internal) {
      draft.sshAddress = address;
      extras['address'] = address;
      d.warning(
        'IMPORT_TWO_ADDRESSES',
        `host ${kkName}: kubeha uses internalAddress ${internal} for both SSH and the cluster; the SSH address ${address} is kept in passthrough`,
        posOf(d, valueOf(item, 'address')),
        'kubeha must reach the internal addresses (run it from a machine in that network, or set ssh.jumpHost)',
      );
    }
    // `{…, port:22, …}`: without a space after the colon YAML reads one key "port:22" with no value; kk ignores it.
    for (const [k, pair] of entries(item)) {
      const m = /^(name|address|internalAddress|port|user|password|privateKeyPath|arch):(\S+)$/.exec(k);
      const value = pair.value;
      if (m && (value === null || value === undefined || (isScalar(value) && value.value === null))) {
        if (m[1] === 'password') d.secret(m[2] ?? '');
        d.warning(
          'IMPORT_KEY_WITHOUT_SPACE',
          `host ${kkName}: "${m[1] === 'password' ? `${m[1]}:${secretStars(m[2] ?? '')}` : k}" is one YAML key without a value (no space after the colon), so KubeKey ignores it`,
          posOf(d, pair.key),
          `write \`${m[1] ?? ''}: ${m[1] === 'password' ? '…' : (m[2] ?? '')}\`${m[1] === 'port' ? '; until then kk and kubeha use port 22' : ''}`,
        );
      }
    }
    const user = scalarText(valueOf(item, 'user'));
    const portNode = valueOf(item, 'port');
    const port = portNode === undefined ? undefined : toInt(scalarText(portNode));
    if (portNode !== undefined && (port === undefined || port < 1 || port > 65535)) {
      d.error('IMPORT_BAD_PORT', `host ${kkName}: SSH port ${String(scalarText(portNode))} is not a number in 1-65535`, posOf(d, portNode));
    }
    const keyPath = scalarText(valueOf(item, 'privateKeyPath'));
    const ssh: NonNullable<HostInput['ssh']> = {};
    if (user) ssh.user = user;
    if (port !== undefined && port >= 1 && port <= 65535) ssh.port = port;
    if (keyPath) ssh.keyFile = keyPath;
    if (Object.keys(ssh).length > 0) host.ssh = ssh;
    for (const key of ['password', 'privateKey']) {
      const p = pairOf(item, key);
      const v = p?.value;
      if (p && scalarText(v)) {
        reportSecret(d, key, `spec.hosts[${kkName}].${key}`, v);
        extras[key] = REDACTED;
      }
    }
    const labelsNode = valueOf(item, 'labels');
    if (isMap(labelsNode)) {
      const labels: Record<string, string> = {};
      for (const [k, pair] of entries(labelsNode)) labels[k] = scalarText(pair.value) ?? '';
      if (Object.keys(labels).length > 0) host.labels = labels;
    }
    for (const [k, pair] of entries(item)) {
      if (MAPPED_HOST_FIELDS.has(k)) continue;
      // `password:xyz` (no space) is a key that holds the secret itself: keep neither.
      const glued = gluedSecret(k, d);
      if (glued !== undefined) extras[glued] = REDACTED;
      else extras[k] = plain(cluster, pair.value, d, `spec.hosts[${kkName}].${k}`);
    }
    if (Object.keys(extras).length > 0) pass.hosts[name] = extras;
    drafts.set(kkName, draft);
  }

  // --- roleGroups --------------------------------------------------------------------------------------
  const rgNode = valueOf(specNode, 'roleGroups');
  const hostNames = [...drafts.keys()];
  const extraGroups: Record<string, unknown> = {};
  if (!isMap(rgNode)) {
    d.error('IMPORT_MISSING_FIELD', 'spec.roleGroups is missing', keyPos(d, specNode, 'roleGroups') ?? posOf(d, specNode), 'add roleGroups with etcd, control-plane (or master) and worker lists');
  } else {
    for (const [group, pair] of entries(rgNode)) {
      const role = ROLE_OF_GROUP[group];
      const members = pair.value;
      if (members !== null && members !== undefined && !isSeq(members) && !(isScalar(members) && members.value === null)) {
        d.error('IMPORT_BAD_ROLEGROUP', `roleGroups.${group} must be a list of host names`, posOf(d, members) ?? posOf(d, pair.key));
        continue;
      }
      const names: string[] = [];
      for (const m of isSeq(members) ? members.items : []) {
        const text = scalarText(m);
        if (!text) {
          d.error('IMPORT_BAD_ROLEGROUP', `roleGroups.${group}: every entry must be a host name`, posOf(d, m));
          continue;
        }
        const range = expandKubekeyRange(text);
        if (!range) {
          if (drafts.has(text)) names.push(text);
          else {
            const near = didYouMean(text, hostNames);
            d.error(
              'IMPORT_UNKNOWN_HOST',
              `roleGroups.${group} names host ${text}, which is not in spec.hosts`,
              posOf(d, m),
              near ? `did you mean ${near}? (roleGroups refer to spec.hosts[].name)` : `add ${text} to spec.hosts, or remove it from roleGroups.${group}`,
            );
          }
          continue;
        }
        // A range (node[2:10]) is one entry: one diagnostic naming every missing host, not one per host.
        const missing = range.filter((h) => !drafts.has(h));
        names.push(...range.filter((h) => drafts.has(h)));
        if (missing.length > 0) {
          const shown = missing.length <= 4 ? missing.join(', ') : `${missing.slice(0, 3).join(', ')} … ${missing[missing.length - 1] ?? ''}`;
          d.error(
            'IMPORT_UNKNOWN_HOST',
            `roleGroups.${group}: ${text} names ${missing.length === 1 ? 'host' : `${missing.length} hosts`} not in spec.hosts (${shown})`,
            posOf(d, m),
            `KubeKey refuses a range naming a host it does not know: add ${missing.length === 1 ? 'it' : 'them'} to spec.hosts, or narrow the range to the hosts you have`,
          );
        }
      }
      if (role) {
        for (const h of names) {
          const host = drafts.get(h)?.host;
          if (host && !host.roles.includes(role)) host.roles.push(role);
        }
      } else {
        extraGroups[group] = names;
        d.info('IMPORT_ROLEGROUP_KEPT', `roleGroups.${group} has no kubeha role; kept in passthrough for export`, posOf(d, pair.key));
      }
    }
  }
  if (Object.keys(extraGroups).length > 0) pass.spec['roleGroups'] = extraGroups;

  const hosts: HostInput[] = [];
  const unused: string[] = [];
  const otherRoleOnly: string[] = [];
  const inExtraGroup = new Set(Object.values(extraGroups).flatMap((v) => (Array.isArray(v) ? (v as string[]) : [])));
  for (const draft of drafts.values()) {
    if (draft.host.roles.length === 0) {
      (inExtraGroup.has(draft.original) ? otherRoleOnly : unused).push(draft.original);
      pass.hosts[draft.host.name] = { ...(pass.hosts[draft.host.name] ?? {}), unused: true, internalAddress: draft.host.address, ...(draft.host.ssh ? { ssh: draft.host.ssh } : {}) };
      continue;
    }
    draft.host.roles.sort((a, b) => ROLE_ORDER.indexOf(a as Role) - ROLE_ORDER.indexOf(b as Role));
    hosts.push(draft.host);
  }
  if (unused.length > 0 && isMap(rgNode)) {
    d.warning(
      'IMPORT_HOST_WITHOUT_ROLE',
      `host(s) ${unused.join(', ')} are in no roleGroup: KubeKey ignores them, so the spec leaves them out (kept in passthrough)`,
      drafts.get(unused[0] ?? '')?.at ?? keyPos(d, specNode, 'hosts'),
      'add them to roleGroups.worker (or another group) if they belong to the cluster',
    );
  }
  if (otherRoleOnly.length > 0) {
    d.info(
      'IMPORT_HOST_WITHOUT_ROLE',
      `host(s) ${otherRoleOnly.join(', ')} only have KubeKey roles kubeha does not model (${Object.keys(extraGroups).join(', ')}); left out of the spec, kept in passthrough for export`,
      drafts.get(otherRoleOnly[0] ?? '')?.at,
    );
  }
  const controlPlane = hosts.filter((h) => h.roles.includes('control-plane'));
  const unknownHosts = d.list.some((x) => x.code === 'IMPORT_UNKNOWN_HOST');
  if (isMap(rgNode) && controlPlane.length === 0 && drafts.size > 0 && !unknownHosts) {
    d.error('IMPORT_NO_CONTROL_PLANE', 'no host is in roleGroups.master or roleGroups.control-plane', keyPos(d, specNode, 'roleGroups'), 'list the control-plane hosts under roleGroups.control-plane (v1alpha2) or roleGroups.master (v1alpha1)');
  }

  // --- controlPlaneEndpoint ----------------------------------------------------------------------------
  const cpeNode = valueOf(specNode, 'controlPlaneEndpoint');
  const cpeExtras: Record<string, unknown> = {};
  let address: string | undefined;
  let domain: string | undefined;
  let port: number | undefined;
  if (isMap(cpeNode)) {
    for (const [k, pair] of entries(cpeNode)) {
      const v = pair.value;
      if (k === 'address') address = scalarText(v)?.trim() || undefined;
      else if (k === 'domain') domain = scalarText(v)?.trim() || undefined;
      else if (k === 'port') {
        port = toInt(scalarText(v));
        if (port === undefined || port < 1 || port > 65535) {
          d.error('IMPORT_BAD_PORT', `controlPlaneEndpoint.port ${String(scalarText(v))} is not a number in 1-65535`, posOf(d, v));
          port = undefined;
        }
      } else cpeExtras[k] = plain(cluster, v, d, `spec.controlPlaneEndpoint.${k}`);
    }
    if (address !== undefined && !isIPv4(address)) {
      const why = notIPv4(address);
      d.error('IMPORT_BAD_ADDRESS', `controlPlaneEndpoint.address "${address}" ${why.what}`, posOf(d, valueOf(cpeNode, 'address')), `${why.hint}; here: the address of the load balancer (its VIP), the name goes in domain`);
      address = undefined;
    }
  }
  const ilb = scalarText(valueOf(cpeNode, 'internalLoadbalancer'))?.trim();
  if (ilb === 'haproxy') {
    d.info(
      'IMPORT_INTERNAL_LB',
      'internalLoadbalancer: haproxy (KubeKey runs a local HAProxy on every worker towards the apiservers) is kept in passthrough; kubeha models the endpoint clients use, not these node-local proxies',
      posOf(d, valueOf(cpeNode, 'internalLoadbalancer')),
      'to let kubeha run keepalived+HAProxy with a VIP instead, add two hosts with role loadbalancer and set loadBalancer.mode: keepalived-haproxy',
    );
  } else if (ilb === 'kube-vip') {
    d.info(
      'IMPORT_INTERNAL_LB',
      `internalLoadbalancer: kube-vip holds the VIP${address ? ` ${address}` : ''} on the control-plane hosts; kubeha imports it as an external LB and keeps the setting in passthrough`,
      posOf(d, valueOf(cpeNode, 'internalLoadbalancer')),
      'to let kubeha run keepalived+HAProxy instead, set loadBalancer.mode: stacked (on the control-plane hosts) or keepalived-haproxy with two loadbalancer hosts',
    );
  } else if (ilb) {
    d.warning('IMPORT_INTERNAL_LB', `internalLoadbalancer: ${ilb} is not one KubeKey knows (haproxy, kube-vip); kept in passthrough`, posOf(d, valueOf(cpeNode, 'internalLoadbalancer')));
  }
  if (Object.keys(cpeExtras).length > 0) pass.spec['controlPlaneEndpoint'] = cpeExtras;
  const { loadBalancer, endpoint } = mapEndpoint(
    { address, domain, port, controlPlaneAddresses: controlPlane.map((h) => h.address) },
    d,
    posOf(d, isMap(cpeNode) ? (valueOf(cpeNode, 'address') ?? cpeNode) : undefined) ?? keyPos(d, specNode, 'controlPlaneEndpoint'),
    { addressField: 'controlPlaneEndpoint.address', tool: 'KubeKey' },
  );

  // --- kubernetes, etcd, network -------------------------------------------------------------------------
  const cp: NonNullable<SpecInput['controlPlane']> = { endpoint, installer: 'kubekey' };
  const network: NonNullable<SpecInput['network']> = {};
  const etcd: NonNullable<SpecInput['etcd']> = {};
  const k8sNode = valueOf(specNode, 'kubernetes');
  const k8sExtras: Record<string, unknown> = {};
  for (const [k, pair] of entries(k8sNode)) {
    const v = pair.value;
    if (k === 'version') {
      const raw = scalarText(v) ?? '';
      const [base = '', type] = raw.split('-', 2);
      const ver = normaliseVersion(base);
      if (ver) cp.version = ver;
      else d.warning('IMPORT_VERSION', `kubernetes.version "${raw}" is not a version such as v1.30.4; kubeha's default is used`, posOf(d, v));
      if (type) {
        k8sExtras['type'] = type;
        d.info('IMPORT_VERSION', `kubernetes.version ${raw}: the distribution suffix "${type}" is kept in passthrough`, posOf(d, v));
      }
    } else if (k === 'dnsDomain' && scalarText(v)) network.dnsDomain = scalarText(v);
    else if (k === 'clusterName' && version === 'v1alpha1' && scalarText(v)) {
      // v1alpha1 has no dnsDomain: kk's kubeadm template sets networking.dnsDomain to clusterName.
      network.dnsDomain ??= scalarText(v);
      k8sExtras[k] = scalarText(v);
    }
    else if (k === 'apiserverCertExtraSans' && isSeq(v)) cp.certSANs = v.items.map((x) => scalarText(x)).filter((x): x is string => !!x);
    else k8sExtras[k] = plain(cluster, v, d, `spec.kubernetes.${k}`);
  }
  if (Object.keys(k8sExtras).length > 0) pass.spec['kubernetes'] = k8sExtras;

  const netNode = valueOf(specNode, 'network');
  const netExtras: Record<string, unknown> = {};
  for (const [k, pair] of entries(netNode)) {
    const v = pair.value;
    const s = scalarText(v);
    if (k === 'plugin' && s) network.plugin = s;
    else if (k === 'kubePodsCIDR' && s) network.podCIDR = s.split(',')[0]?.trim() ?? s;
    else if (k === 'kubeServiceCIDR' && s) network.serviceCIDR = s.split(',')[0]?.trim() ?? s;
    else netExtras[k] = plain(cluster, v, d, `spec.network.${k}`);
    if ((k === 'kubePodsCIDR' || k === 'kubeServiceCIDR') && s?.includes(',')) {
      netExtras[k] = s;
      d.info('IMPORT_DUAL_STACK', `network.${k} is dual-stack; kubeha uses the first (IPv4) range, the whole value is kept in passthrough`, posOf(d, v));
    }
  }
  if (Object.keys(netExtras).length > 0) pass.spec['network'] = netExtras;

  const etcdNode = valueOf(specNode, 'etcd');
  const etcdExtras: Record<string, unknown> = {};
  for (const [k, pair] of entries(etcdNode)) {
    const v = pair.value;
    if (k === 'type') {
      const t = scalarText(v);
      if (t === 'external') etcd.type = 'external';
      else if (t === 'kubekey' || t === 'kubeadm') {
        etcd.type = 'stacked';
        if (t === 'kubeadm') etcdExtras['type'] = t;
      } else etcdExtras[k] = plain(cluster, v, d, 'spec.etcd.type');
    } else if (k === 'external' && isMap(v)) {
      const eps = valueOf(v, 'endpoints');
      if (isSeq(eps)) etcd.endpoints = eps.items.map((x) => scalarText(x)).filter((x): x is string => !!x);
      const rest = plain(cluster, v, d, 'spec.etcd.external') as Record<string, unknown>;
      delete rest['endpoints'];
      if (Object.keys(rest).length > 0) etcdExtras['external'] = rest;
    } else etcdExtras[k] = plain(cluster, v, d, `spec.etcd.${k}`);
  }
  if (Object.keys(etcdExtras).length > 0) pass.spec['etcd'] = etcdExtras;

  // --- everything else in spec, and the other documents -------------------------------------------------
  const handled = new Set(['hosts', 'roleGroups', 'controlPlaneEndpoint', 'kubernetes', 'network', 'etcd']);
  for (const [k, pair] of entries(specNode)) if (!handled.has(k)) pass.spec[k] = plain(cluster, pair.value, d, `spec.${k}`);
  for (const doc of nonEmpty) {
    if (doc === cluster) continue;
    pass.documents.push(plain(doc, doc.contents, d, `${scalarText(valueOf(doc.contents, 'kind')) ?? 'document'}`));
  }
  const metaExtras = plain(cluster, valueOf(root, 'metadata'), d, 'metadata');
  if (metaExtras && typeof metaExtras === 'object') {
    const rest = { ...(metaExtras as Record<string, unknown>) };
    delete rest['name'];
    if (Object.keys(rest).length > 0) pass.spec['metadata'] = rest;
  }

  const kept: string[] = [];
  const specKeys = Object.keys(pass.spec).filter((k) => k !== 'metadata');
  for (const k of specKeys) {
    const v = pass.spec[k];
    kept.push(v && typeof v === 'object' && !Array.isArray(v) && ['kubernetes', 'network', 'etcd', 'controlPlaneEndpoint', 'roleGroups'].includes(k) ? `spec.${k}.{${keysOf(v as Record<string, unknown>)}}` : `spec.${k}`);
  }
  if (Object.keys(pass.hosts).length > 0) kept.push(`per-host fields of ${Object.keys(pass.hosts).join(', ')}`);
  for (const doc of pass.documents) {
    const o = doc as Record<string, unknown> | null;
    const kind = o && typeof o === 'object' ? str(o['kind']) || 'document' : 'document';
    const apiV = o && typeof o === 'object' ? str(o['apiVersion']) : '';
    kept.push(`the whole ${kind} document${apiV ? ` (${apiV})` : ''}`);
  }
  if (kept.length > 0) {
    d.info(
      'IMPORT_PASSTHROUGH',
      `kept in passthrough.kubekey (kubeha does not use them; \`kubeha export kubekey\` writes them back): ${kept.join('; ')}`,
      keyPos(d, root, 'spec'),
      'review them; settings you no longer need can be deleted from passthrough',
    );
  }

  if (d.list.some((x) => x.severity === 'error')) return done();

  const rawName = opts.name ?? scalarText(valueOf(valueOf(root, 'metadata'), 'name')) ?? 'imported';
  const clusterName = toDnsLabel(rawName);
  if (clusterName !== rawName) {
    d.info('IMPORT_NAME', `cluster name ${rawName} becomes ${clusterName} (a lower-case DNS label)`, opts.name === undefined ? posOf(d, valueOf(valueOf(root, 'metadata'), 'name')) : undefined);
  }
  // Built in the order a reader expects the keys in the written YAML.
  const spec = { apiVersion: 'kubeha.io/v1alpha1', kind: 'Cluster', metadata: { name: clusterName } } as SpecInput;
  const hoisted = commonSsh(hosts);
  if (hoisted) spec.ssh = hoisted;
  spec.hosts = hoistSsh(hosts);
  spec.loadBalancer = loadBalancer;
  spec.controlPlane = cp;
  if (Object.keys(etcd).length > 0) spec.etcd = etcd;
  if (Object.keys(network).length > 0) spec.network = network;
  const kept2: Partial<KubekeyPassthrough> = { ...pass };
  if (Object.keys(pass.hosts).length === 0) delete kept2.hosts;
  if (pass.documents.length === 0) delete kept2.documents;
  spec.passthrough = { kubekey: kept2 };
  return done(spec);
}

const ROLE_ORDER: readonly Role[] = ['loadbalancer', 'control-plane', 'etcd', 'worker'];

/** SSH settings every host shares, for the top-level `ssh`. */
export function commonSsh(hosts: readonly HostInput[]): HostInput['ssh'] | undefined {
  const first = hosts[0]?.ssh;
  if (!first || hosts.length === 0) return undefined;
  const out: NonNullable<HostInput['ssh']> = {};
  for (const key of ['user', 'port', 'keyFile'] as const) {
    const v = first[key];
    if (v !== undefined && hosts.every((h) => h.ssh?.[key] === v)) (out as Record<string, unknown>)[key] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Hosts with the shared SSH settings removed (they go to the top-level `ssh`). */
export function hoistSsh(hosts: HostInput[]): HostInput[] {
  const common = commonSsh(hosts);
  if (!common) return hosts;
  return hosts.map((h) => {
    if (!h.ssh) return h;
    const ssh = { ...h.ssh };
    for (const key of Object.keys(common) as (keyof typeof common)[]) delete ssh[key];
    const { ssh: _drop, ...rest } = h;
    return Object.keys(ssh).length > 0 ? { ...rest, ssh } : rest;
  });
}

function wrongKind(d: FileDiagnostics, doc: Document): void {
  const root = doc.contents;
  const kind = scalarText(valueOf(root, 'kind'));
  const apiVersion = scalarText(valueOf(root, 'apiVersion'));
  const at = posOf(d, valueOf(root, kind !== undefined ? 'kind' : 'apiVersion')) ?? posOf(d, root) ?? { line: 1, col: 1, length: 1 };
  if (apiVersion?.startsWith('kubeha.io/')) {
    d.error('IMPORT_WRONG_KIND', 'this is already a kubeha spec, not a KubeKey config', posOf(d, valueOf(root, 'apiVersion')) ?? at, 'run `kubeha check` on it instead of importing it');
    return;
  }
  const found = kind === undefined ? (isMap(root) ? 'no kind' : 'not a mapping') : `kind: ${kind}${apiVersion ? ` (${apiVersion})` : ''}`;
  d.error(
    'IMPORT_WRONG_KIND',
    `expected a KubeKey \`kind: Cluster\` with apiVersion ${KUBEKEY_GROUP}/v1alpha1 or v1alpha2, found ${found}`,
    at,
    kind === 'ClusterConfiguration' ? 'this is the ks-installer document; import the config-sample.yaml that also holds the KubeKey Cluster' : 'pass the file written by `kk create config` (kind: Cluster)',
  );
}
