import { FileDiagnostics, REDACTED, isSecretKey, maskSecretsInLine, normaliseVersion, str, toInt } from '../import-common.js';
import { isIPv4, notIPv4 } from '../../net/ipv4.js';
import type { SpecInput } from '../../cluster-spec/schema.js';
import type { At } from '../yaml-nodes.js';
import { KEY_VARS, PORT_VARS, ROLE_GROUPS, USER_VARS, type AnsibleContext } from './import-hosts.js';
import { flowValue } from './inventory.js';
import { nameList } from '../../diag/name-list.js';

/**
 * The cluster variables of an ansible inventory ([all:vars], [k8s-cluster:vars], then the vars file) → the
 * control plane, network and load-balancer settings of the spec; and what has no place in it, for passthrough.
 */

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


/** The load balancer in front of the apiservers, as the variables give it, and where they say so. */
export interface LbVars {
  address?: string;
  port?: number;
  domain?: string;
  at?: At;
  fd: FileDiagnostics;
}

export interface ClusterVars {
  cp: NonNullable<SpecInput['controlPlane']>;
  network: NonNullable<SpecInput['network']>;
  lb: LbVars;
  /** Variables kubeha does not model (templates, unknown ones), secrets redacted. */
  passVars: Record<string, unknown>;
}

/** Cluster variables: [all:vars] and [k8s-cluster:vars] of the inventory, overridden by the vars file. */
export function readClusterVars(ctx: AnsibleContext, varsFile: Map<string, { value: unknown; at?: At }> | undefined): ClusterVars {
  const { d, vd, groups } = ctx;
  const clusterVars = new Map<string, { value: unknown; at?: At; fd: FileDiagnostics }>();
  for (const gname of ['all', 'k8s-cluster', 'k8s_cluster']) {
    for (const [k, v] of groups.get(gname)?.vars ?? []) clusterVars.set(k, { value: v.value, at: v.at, fd: d });
  }
  if (varsFile && vd) for (const [k, v] of varsFile) clusterVars.set(k, { value: v.value, at: v.at, fd: vd });

  const out: ClusterVars = { cp: {}, network: {}, lb: { fd: d }, passVars: {} };
  const { cp, network, passVars } = out;
  const isTemplate = (v: unknown): boolean => typeof v === 'string' && v.includes('{{');
  // Secret-looking pairs inside a copied value are masked (and were reported with the variable).
  const copied = (v: unknown): unknown => (typeof v === 'string' ? maskSecretsInLine(v) : v);
  for (const [k, entry] of clusterVars) {
    const { value, at, fd } = entry;
    if (USER_VARS.includes(k) || PORT_VARS.includes(k) || KEY_VARS.includes(k) || isSecretKey(k)) {
      if (isSecretKey(k) && value !== '') passVars[k] = REDACTED;
      continue; // applied per host, or a secret already reported
    }
    if (isTemplate(value)) {
      passVars[k] = copied(value);
      fd.info('IMPORT_TEMPLATE', `${k} is a Jinja template; kubeha does not evaluate templates, the value is kept in passthrough`, at);
      continue;
    }
    const s = typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
    switch (k) {
      case 'loadbalancer_apiserver':
        readLoadbalancerApiserver(out, value, at, fd);
        break;
      case 'apiserver_loadbalancer_domain_name':
        if (s) out.lb.domain = s;
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
  return out;
}

/** `loadbalancer_apiserver: {address, port}`; its other keys go to passthrough. */
function readLoadbalancerApiserver(out: ClusterVars, value: unknown, at: At | undefined, fd: FileDiagnostics): void {
  // In an INI inventory the value is text: `loadbalancer_apiserver={"address": "10.0.0.100", "port": 6443}`.
  const parsedValue = typeof value === 'string' ? flowValue(value) : value;
  const o = parsedValue && typeof parsedValue === 'object' ? (parsedValue as Record<string, unknown>) : {};
  if (Object.keys(o).length === 0) {
    fd.warning('IMPORT_BAD_VALUE', 'loadbalancer_apiserver is not a mapping with address and port; ignored', at, 'write loadbalancer_apiserver: {address: 10.0.0.100, port: 6443}');
  }
  const lb = out.lb;
  lb.address = typeof o['address'] === 'string' ? o['address'] : undefined;
  lb.port = toInt(o['port']);
  lb.at = at;
  lb.fd = fd;
  if (o['port'] !== undefined && (lb.port === undefined || lb.port < 1 || lb.port > 65535)) {
    fd.error('IMPORT_BAD_PORT', `loadbalancer_apiserver.port ${str(o['port'])} is not a number in 1-65535`, at);
  }
  if (lb.address !== undefined && !isIPv4(lb.address)) {
    const why = notIPv4(lb.address);
    fd.error('IMPORT_BAD_ADDRESS', `loadbalancer_apiserver.address "${lb.address}" ${why.what}`, at, `${why.hint}; here: the address (VIP) of the load balancer`);
  }
  const rest = { ...o };
  delete rest['address'];
  delete rest['port'];
  if (Object.keys(rest).length > 0) out.passVars['loadbalancer_apiserver'] = rest;
}

/** passthrough.ansible: host variables, groups and variables kubeha does not model; an info lists them. */
export function passthroughOf({ d, groups }: AnsibleContext, hostVars: Record<string, Record<string, string>>, passVars: Record<string, unknown>): Record<string, unknown> {
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
  if (pass['hostVars']) kept.push(`host variables of ${nameList(Object.keys(hostVars))}`);
  if (pass['groups']) kept.push(`groups ${Object.keys(passGroups).join(', ')}`);
  if (pass['vars']) kept.push(`variables ${Object.keys(passVars).join(', ')}`);
  if (kept.length > 0) {
    d.info('IMPORT_PASSTHROUGH', `kept in passthrough.ansible (kubeha does not use them): ${kept.join('; ')}`, undefined, 'review them; settings you no longer need can be deleted from passthrough');
  }
  return pass;
}
