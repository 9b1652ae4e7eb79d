import { boundedDidYouMean } from '../../diag/did-you-mean.js';
import { FileDiagnostics, REDACTED, ROLE_ORDER, isSecretKey, maskSecretsInLine, secretStars, toDnsLabel, toInt } from '../import-common.js';
import { isIPv4, notIPv4 } from '../../net/ipv4.js';
import type { HostInput, Role } from '../../cluster-spec/schema.js';
import type { InvGroup, InvHost, Value } from './inventory.js';
import { nameList } from '../../diag/name-list.js';

/**
 * The hosts of an ansible inventory: group membership (through `:children`), roles from the role groups, secrets
 * anywhere in host and group variables, then each host with a role as a spec host (the bastion as ssh.jumpHost).
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
export const ADDRESS_VARS = ['ip', 'access_ip', 'ansible_host', 'ansible_ssh_host'];
export const USER_VARS = ['ansible_user', 'ansible_ssh_user'];
export const PORT_VARS = ['ansible_port', 'ansible_ssh_port'];
export const KEY_VARS = ['ansible_ssh_private_key_file', 'ansible_private_key_file'];

/** What each stage reads from and reports to. */
export interface AnsibleContext {
  /** The inventory's diagnostics. */
  d: FileDiagnostics;
  /** The vars file's diagnostics, when there is one. */
  vd: FileDiagnostics | undefined;
  hosts: Map<string, InvHost>;
  groups: Map<string, InvGroup>;
}

/** Any error so far, in the inventory or the vars file. */
export function hasErrors({ d, vd }: AnsibleContext): boolean {
  return d.list.some((x) => x.severity === 'error') || (vd?.list.some((x) => x.severity === 'error') ?? false);
}

/** The hosts of group `name`, its children's included (an explicit stack: groups may nest thousands deep). */
function membersOf(ctx: AnsibleContext, name: string): Set<string> {
  const { hosts, groups } = ctx;
  if (name === 'all') return new Set(hosts.keys());
  const out = new Set<string>();
  const seen = new Set<string>([name]);
  const todo = [name];
  for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
    if (next === 'all') return new Set(hosts.keys());
    const g = groups.get(next);
    if (!g) continue;
    for (const h of g.hosts) out.add(h.name);
    for (const c of g.children) {
      if (!seen.has(c.name)) {
        seen.add(c.name);
        todo.push(c.name);
      }
    }
  }
  return out;
}

/** Host-group memberships an inventory may imply in total (hosts × the groups each is in, nesting included). */
export const MAX_GROUP_MEMBERSHIPS = 1_000_000;

/** Children must name known groups (an error otherwise); then every host learns each group it is in. */
export function resolveGroups(ctx: AnsibleContext): void {
  const { d, hosts, groups } = ctx;
  const known = new Set([...groups.keys(), 'all', 'ungrouped']);
  const knownList = [...known];
  const suggest = boundedDidYouMean();
  for (const g of groups.values()) {
    for (const c of g.children) {
      if (!known.has(c.name)) {
        const near = suggest(c.name, knownList);
        d.error('IMPORT_UNKNOWN_GROUP', `[${g.name}:children] names group ${c.name}, which the inventory does not define`, c.at, near ? `did you mean ${near}?` : `add a [${c.name}] section, or remove it from [${g.name}:children]`);
      }
    }
  }
  if (d.list.some((x) => x.severity === 'error')) return;
  // Each host's groups are the ancestors of the groups that list it (every host is in `all`), found by walking
  // parent links: work in proportion to the memberships, not groups × hosts, and no recursion.
  const order = new Map<string, number>();
  for (const g of groups.keys()) order.set(g, order.size);
  const parents = new Map<string, string[]>();
  for (const g of groups.values()) {
    for (const c of g.children) {
      const list = parents.get(c.name) ?? [];
      list.push(g.name);
      parents.set(c.name, list);
    }
  }
  const direct = new Map<string, string[]>();
  for (const g of groups.values()) {
    for (const h of g.hosts) {
      const list = direct.get(h.name) ?? [];
      list.push(g.name);
      direct.set(h.name, list);
    }
  }
  let budget = MAX_GROUP_MEMBERSHIPS;
  for (const host of hosts.values()) {
    const seen = new Set<string>(['all', ...(direct.get(host.name) ?? [])]);
    const todo = [...seen];
    for (let g = todo.pop(); g !== undefined; g = todo.pop()) {
      for (const p of parents.get(g) ?? []) {
        if (!seen.has(p)) {
          seen.add(p);
          todo.push(p);
        }
      }
    }
    budget -= seen.size;
    if (budget < 0) {
      d.error('IMPORT_TOO_LARGE', `the inventory's groups imply more than ${MAX_GROUP_MEMBERSHIPS} host-group memberships`, host.at, 'flatten the group nesting; kubeha bounds its work for any input (docs/security.md)');
      return;
    }
    // The groups in inventory order, as ansible ranks them.
    for (const g of [...seen].filter((x) => order.has(x)).sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0))) host.groups.add(g);
  }
}

/** Each host's roles, from the role groups; an empty or missing control-plane group is an error. */
export function rolesOfHosts(ctx: AnsibleContext): Map<string, Set<Role>> {
  const { d, groups } = ctx;
  const roleOf = new Map<string, Set<Role>>();
  let sawControlPlaneGroup = false;
  for (const [gname, role] of Object.entries(ROLE_GROUPS)) {
    const g = groups.get(gname);
    if (!g) continue;
    const members = membersOf(ctx, gname);
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
  return roleOf;
}

/** The effective value of a host variable: its own, then its groups', then [all:vars]. */
function hostVar({ groups }: AnsibleContext, h: InvHost, key: string): Value | undefined {
  const own = h.vars.get(key);
  if (own) return own;
  for (const g of h.groups) {
    if (g === 'all') continue;
    const v = groups.get(g)?.vars.get(key);
    if (v) return v;
  }
  return groups.get('all')?.vars.get(key);
}

/** The first of `keys` the host has a value for. */
function firstHostVar(ctx: AnsibleContext, h: InvHost, keys: readonly string[]): Value | undefined {
  return keys.map((k) => hostVar(ctx, h, k)).find((v) => v !== undefined);
}

/** The diagnostics of the file a value was written in. */
function diagFor({ d, vd }: AnsibleContext, v: Value): FileDiagnostics {
  return v.file === 'vars' && vd ? vd : d;
}

/** Secrets anywhere in the inventory's host and group variables: warned once each, never copied. */
export function reportSecrets(ctx: AnsibleContext): void {
  const reportSecret = (key: string, v: Value, where: string): void => {
    const fd = diagFor(ctx, v);
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
    const fd = diagFor(ctx, v);
    for (const s of inside) fd.secret(s);
    fd.warning('IMPORT_PLAINTEXT_SECRET', `a secret-looking assignment inside ${key} for ${where} is masked, not copied into the kubeha spec`, v.at, 'keep secrets out of inventories: ansible-vault, or SSH keys for logins');
  };
  const reportVar = (k: string, v: Value, where: string): void => {
    if (isSecretKey(k)) {
      if (v.value !== '') reportSecret(k, v, where);
    } else reportEmbedded(k, v, where);
  };
  for (const h of ctx.hosts.values()) for (const [k, v] of h.vars) reportVar(k, v, `host ${h.name}`);
  for (const g of ctx.groups.values()) for (const [k, v] of g.vars) reportVar(k, v, `group ${g.name}`);
}

export interface AnsibleHosts {
  specHosts: HostInput[];
  /** Per host: variables kubeha does not model (secrets redacted), for passthrough. */
  hostVars: Record<string, Record<string, string>>;
  jumpHost?: string;
  controlPlaneAddresses: string[];
}

/** The spec's hosts: those with a role. A [bastion] host becomes ssh.jumpHost; the others are kept in passthrough. */
export function readHosts(ctx: AnsibleContext, roleOf: Map<string, Set<Role>>): AnsibleHosts {
  const { d } = ctx;
  const out: AnsibleHosts = { specHosts: [], hostVars: {}, controlPlaneAddresses: [] };
  const unused: InvHost[] = [];
  const usedNames = new Map<string, string>();
  for (const h of ctx.hosts.values()) {
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
        out.jumpHost = jumpHostOf(ctx, h, address);
        continue;
      }
      unused.push(h);
      out.hostVars[h.name] = { ...extras, ...(address ? { address } : {}), unused: 'true' };
      continue;
    }
    const host = specHostOf(ctx, h, roles, addrVar?.[1], address, extras, usedNames);
    if (!host) continue;
    if (host.roles.includes('control-plane')) out.controlPlaneAddresses.push(host.address);
    out.specHosts.push(host);
    if (Object.keys(extras).length > 0) out.hostVars[host.name] = extras;
  }
  if (unused.length > 0) {
    d.warning(
      'IMPORT_HOST_WITHOUT_ROLE',
      `host(s) ${nameList(unused.map((h) => h.name))} are in no control-plane, worker or etcd group; the spec leaves them out (kept in passthrough)`,
      unused[0]?.at,
      'add them to [kube-node] (or another role group) if they belong to the cluster',
    );
  }
  return out;
}

/** kubespray's [bastion]: every host is reached through it; kubeha's ssh.jumpHost does the same. */
function jumpHostOf(ctx: AnsibleContext, h: InvHost, address: string | undefined): string {
  const sshHost = h.vars.get('ansible_host')?.value ?? address ?? h.name;
  const user = firstHostVar(ctx, h, USER_VARS)?.value;
  const port = firstHostVar(ctx, h, PORT_VARS)?.value ?? h.vars.get('__port')?.value;
  const jumpHost = `${user ? `${user}@` : ''}${sshHost}${port && port !== '22' ? `:${port}` : ''}`;
  ctx.d.info('IMPORT_BASTION', `host ${h.name} in [bastion] becomes ssh.jumpHost ${jumpHost}: kubeha reaches every host through it`, h.at);
  return jumpHost;
}

/**
 * A host with a role as a spec host; undefined (with an error) when it has no usable address or its name clashes.
 * `extras` loses what the spec holds and gains the inventory name when the host is renamed.
 */
function specHostOf(
  ctx: AnsibleContext,
  h: InvHost,
  roles: Set<Role>,
  addrValue: Value | undefined,
  address: string | undefined,
  extras: Record<string, string>,
  usedNames: Map<string, string>,
): HostInput | undefined {
  const { d } = ctx;
  if (!address) {
    d.error('IMPORT_MISSING_FIELD', `host ${h.name} has no address (ip=, access_ip= or ansible_host=)`, h.at, `write: ${h.name} ansible_host=10.0.0.11 ip=10.0.0.11`);
    return undefined;
  }
  if (!isIPv4(address)) {
    const why = notIPv4(address);
    d.error('IMPORT_BAD_ADDRESS', `host ${h.name}: "${address}" ${why.what}`, addrValue?.at ?? h.at, `${why.hint}; in the inventory: ip=ADDRESS`);
    return undefined;
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
    return undefined;
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
  const ssh = sshOf(ctx, h);
  delete extras['__port'];
  const host: HostInput = { name, address, roles: ROLE_ORDER.filter((r) => roles.has(r)) };
  if (Object.keys(ssh).length > 0) host.ssh = ssh;
  return host;
}

/** The host's SSH user, port and key, from its variables or its groups'. */
function sshOf(ctx: AnsibleContext, h: InvHost): NonNullable<HostInput['ssh']> {
  const ssh: NonNullable<HostInput['ssh']> = {};
  const user = firstHostVar(ctx, h, USER_VARS);
  if (user) ssh.user = user.value;
  const portVar = firstHostVar(ctx, h, PORT_VARS) ?? h.vars.get('__port');
  if (portVar) {
    const p = toInt(portVar.value);
    if (p === undefined || p < 1 || p > 65535) diagFor(ctx, portVar).error('IMPORT_BAD_PORT', `host ${h.name}: SSH port ${portVar.value} is not a number in 1-65535`, portVar.at);
    else ssh.port = p;
  }
  const key = firstHostVar(ctx, h, KEY_VARS);
  if (key) ssh.keyFile = key.value;
  return ssh;
}
