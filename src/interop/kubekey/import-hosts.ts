import { isMap, isScalar, isSeq, type Document, type YAMLMap } from 'yaml';
import { boundedDidYouMean } from '../../diag/did-you-mean.js';
import { FileDiagnostics, REDACTED, ROLE_ORDER, MAX_RANGE_HOSTS, expandKubekeyRange, secretStars, toDnsLabel, toInt } from '../import-common.js';
import { isIPv4, notIPv4 } from '../../net/ipv4.js';
import type { HostInput, Role } from '../../cluster-spec/schema.js';
import { entries, gluedSecret, keyPos, pairOf, plain, posOf, reportSecret, scalarText, valueOf, type At } from '../yaml-nodes.js';
import type { KubekeyPassthrough } from './import.js';
import { nameList } from '../../diag/name-list.js';

/**
 * The hosts of a KubeKey Cluster: `spec.hosts` (names, addresses, SSH settings, fields kept in passthrough), then
 * `spec.roleGroups` (which host has which role), then the hosts that end up in the spec.
 */

/** KubeKey roleGroups → our roles (v1alpha2 accepts both master and control-plane). */
const ROLE_OF_GROUP: Readonly<Record<string, Role>> = { etcd: 'etcd', master: 'control-plane', 'control-plane': 'control-plane', worker: 'worker' };
/** Host fields with a place in our spec. */
const MAPPED_HOST_FIELDS = new Set(['name', 'address', 'internalAddress', 'port', 'user', 'password', 'privateKey', 'privateKeyPath', 'labels']);

/** What each stage reads from and reports to. */
export interface KubekeyContext {
  d: FileDiagnostics;
  /** The Cluster document. */
  cluster: Document;
  root: unknown;
  specNode: YAMLMap;
  pass: KubekeyPassthrough;
}

/** A host of spec.hosts on its way into the spec. */
export interface HostDraft {
  host: HostInput;
  /** Its KubeKey name. */
  original: string;
  at: At | undefined;
  sshAddress?: string;
}

/** spec.hosts, by KubeKey name; undefined (with an error) when the list is missing or empty. */
export function readHosts(ctx: KubekeyContext): Map<string, HostDraft> | undefined {
  const { d, root, specNode } = ctx;
  const hostsNode = valueOf(specNode, 'hosts');
  if (!isSeq(hostsNode) || hostsNode.items.length === 0) {
    d.error(
      'IMPORT_MISSING_HOSTS',
      isSeq(hostsNode) ? 'spec.hosts is empty' : hostsNode === undefined ? 'spec.hosts is missing' : 'spec.hosts must be a list of hosts',
      hostsNode === undefined ? keyPos(d, root, 'spec') : keyPos(d, specNode, 'hosts'),
      'list every machine: - {name: master1, address: 10.0.0.11, internalAddress: 10.0.0.11, privateKeyPath: ~/.ssh/id_rsa}',
    );
    return undefined;
  }
  const drafts = new Map<string, HostDraft>(); // by KubeKey name
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
    const draft: HostDraft = { host, original: kkName, at };
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
    warnKeysWithoutSpace(d, item, kkName);
    const ssh = readSsh(d, item, kkName);
    if (ssh) host.ssh = ssh;
    for (const key of ['password', 'privateKey']) {
      const p = pairOf(item, key);
      const v = p?.value;
      if (p && scalarText(v)) {
        reportSecret(d, key, `spec.hosts[${kkName}].${key}`, v);
        extras[key] = REDACTED;
      }
    }
    const labels = readLabels(item);
    if (labels) host.labels = labels;
    keepUnmappedFields(ctx, item, kkName, extras);
    if (Object.keys(extras).length > 0) ctx.pass.hosts[name] = extras;
    drafts.set(kkName, draft);
  }
  return drafts;
}

/** `{…, port:22, …}`: without a space after the colon YAML reads one key "port:22" with no value; kk ignores it. */
function warnKeysWithoutSpace(d: FileDiagnostics, item: YAMLMap, kkName: string): void {
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
}

/** user, port and privateKeyPath of a host; undefined when it sets none. */
function readSsh(d: FileDiagnostics, item: YAMLMap, kkName: string): HostInput['ssh'] | undefined {
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
  return Object.keys(ssh).length > 0 ? ssh : undefined;
}

function readLabels(item: YAMLMap): Record<string, string> | undefined {
  const labelsNode = valueOf(item, 'labels');
  if (!isMap(labelsNode)) return undefined;
  const labels: Record<string, string> = {};
  for (const [k, pair] of entries(labelsNode)) labels[k] = scalarText(pair.value) ?? '';
  return Object.keys(labels).length > 0 ? labels : undefined;
}

/** Host fields kubeha does not model (arch, timeout…) go to `extras`, secrets redacted. */
function keepUnmappedFields({ d, cluster }: KubekeyContext, item: YAMLMap, kkName: string, extras: Record<string, unknown>): void {
  for (const [k, pair] of entries(item)) {
    if (MAPPED_HOST_FIELDS.has(k)) continue;
    // `password:xyz` (no space) is a key that holds the secret itself: keep neither.
    const glued = gluedSecret(k, d);
    if (glued !== undefined) extras[glued] = REDACTED;
    else extras[k] = plain(cluster, pair.value, d, `spec.hosts[${kkName}].${k}`);
  }
}

/**
 * spec.roleGroups: each draft gets the roles of its groups. Groups with no kubeha role are returned (group → host
 * names) for passthrough.
 */
export function readRoleGroups({ d, specNode }: KubekeyContext, drafts: Map<string, HostDraft>): Record<string, unknown> {
  const rgNode = valueOf(specNode, 'roleGroups');
  const hostNames = [...drafts.keys()];
  const budget = { names: MAX_ROLEGROUP_NAMES, suggest: boundedDidYouMean() };
  const extraGroups: Record<string, unknown> = {};
  if (!isMap(rgNode)) {
    d.error('IMPORT_MISSING_FIELD', 'spec.roleGroups is missing', keyPos(d, specNode, 'roleGroups') ?? posOf(d, specNode), 'add roleGroups with etcd, control-plane (or master) and worker lists');
    return extraGroups;
  }
  for (const [group, pair] of entries(rgNode)) {
    const role = ROLE_OF_GROUP[group];
    const members = pair.value;
    if (members !== null && members !== undefined && !isSeq(members) && !(isScalar(members) && members.value === null)) {
      d.error('IMPORT_BAD_ROLEGROUP', `roleGroups.${group} must be a list of host names`, posOf(d, members) ?? posOf(d, pair.key));
      continue;
    }
    const names: string[] = [];
    for (const m of isSeq(members) ? members.items : []) {
      if (budget.names < 0) break;
      for (const h of groupMember(d, group, m, drafts, hostNames, budget)) names.push(h);
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
  return extraGroups;
}

/** Host names the roleGroups may name in total, ranges expanded (docs/security.md). */
const MAX_ROLEGROUP_NAMES = 100_000;

interface RoleGroupBudget {
  names: number;
  suggest: (word: string, candidates: readonly string[]) => string | undefined;
}

/** The known hosts one entry of a roleGroup names: a host name or a range such as node[2:10]. */
function groupMember(d: FileDiagnostics, group: string, m: unknown, drafts: Map<string, HostDraft>, hostNames: string[], budget: RoleGroupBudget): string[] {
  const text = scalarText(m);
  if (!text) {
    d.error('IMPORT_BAD_ROLEGROUP', `roleGroups.${group}: every entry must be a host name`, posOf(d, m));
    return [];
  }
  const range = expandKubekeyRange(text);
  if (!range) {
    if (drafts.has(text)) return [text];
    const near = budget.suggest(text, hostNames);
    d.error(
      'IMPORT_UNKNOWN_HOST',
      `roleGroups.${group} names host ${text}, which is not in spec.hosts`,
      posOf(d, m),
      near ? `did you mean ${near}? (roleGroups refer to spec.hosts[].name)` : `add ${text} to spec.hosts, or remove it from roleGroups.${group}`,
    );
    return [];
  }
  budget.names -= range.length;
  if (range.length > MAX_RANGE_HOSTS || budget.names < 0) {
    d.error('IMPORT_TOO_LARGE', `roleGroups.${group}: ${range.length > MAX_RANGE_HOSTS ? `${text} names more than ${MAX_RANGE_HOSTS} hosts` : `the roleGroups name more than ${MAX_ROLEGROUP_NAMES} hosts in total`} (kubeha's bound, docs/security.md)`, posOf(d, m), 'narrow the range to the hosts of spec.hosts');
    budget.names = -1;
    return [];
  }
  // A range (node[2:10]) is one entry: one diagnostic naming every missing host, not one per host.
  const missing = range.filter((h) => !drafts.has(h));
  if (missing.length > 0) {
    const shown = missing.length <= 4 ? missing.join(', ') : `${missing.slice(0, 3).join(', ')} … ${missing[missing.length - 1] ?? ''}`;
    d.error(
      'IMPORT_UNKNOWN_HOST',
      `roleGroups.${group}: ${text} names ${missing.length === 1 ? 'host' : `${missing.length} hosts`} not in spec.hosts (${shown})`,
      posOf(d, m),
      `KubeKey refuses a range naming a host it does not know: add ${missing.length === 1 ? 'it' : 'them'} to spec.hosts, or narrow the range to the hosts you have`,
    );
  }
  return range.filter((h) => drafts.has(h));
}

/**
 * The hosts of the spec: those with a kubeha role, roles in the written order. The others are reported and kept in
 * passthrough; a cluster without a control-plane host is an error.
 */
export function specHosts({ d, specNode, pass }: KubekeyContext, drafts: Map<string, HostDraft>, extraGroups: Record<string, unknown>): HostInput[] {
  const rgNode = valueOf(specNode, 'roleGroups');
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
      `host(s) ${nameList(unused)} are in no roleGroup: KubeKey ignores them, so the spec leaves them out (kept in passthrough)`,
      drafts.get(unused[0] ?? '')?.at ?? keyPos(d, specNode, 'hosts'),
      'add them to roleGroups.worker (or another group) if they belong to the cluster',
    );
  }
  if (otherRoleOnly.length > 0) {
    d.info(
      'IMPORT_HOST_WITHOUT_ROLE',
      `host(s) ${nameList(otherRoleOnly)} only have KubeKey roles kubeha does not model (${Object.keys(extraGroups).join(', ')}); left out of the spec, kept in passthrough for export`,
      drafts.get(otherRoleOnly[0] ?? '')?.at,
    );
  }
  const controlPlane = hosts.filter((h) => h.roles.includes('control-plane'));
  const unknownHosts = d.list.some((x) => x.code === 'IMPORT_UNKNOWN_HOST');
  if (isMap(rgNode) && controlPlane.length === 0 && drafts.size > 0 && !unknownHosts) {
    d.error('IMPORT_NO_CONTROL_PLANE', 'no host is in roleGroups.master or roleGroups.control-plane', keyPos(d, specNode, 'roleGroups'), 'list the control-plane hosts under roleGroups.control-plane (v1alpha2) or roleGroups.master (v1alpha1)');
  }
  return hosts;
}
