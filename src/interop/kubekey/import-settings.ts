import { isMap, isSeq, type Document } from 'yaml';
import { keysOf, mapEndpoint, normaliseVersion, str, toInt } from '../import-common.js';
import { isIPv4, notIPv4 } from '../../net/ipv4.js';
import type { HostInput, SpecInput } from '../../cluster-spec/schema.js';
import { entries, keyPos, plain, posOf, scalarText, valueOf } from '../yaml-nodes.js';
import type { KubekeyContext } from './import-hosts.js';
import { nameList } from '../../diag/name-list.js';

/**
 * The settings of a KubeKey Cluster besides its hosts: `spec.controlPlaneEndpoint`, `spec.kubernetes`,
 * `spec.network`, `spec.etcd`; then everything else (kept in passthrough) and the info that lists it.
 */

/** spec.controlPlaneEndpoint → our loadBalancer and endpoint; its other keys go to passthrough. */
export function readEndpoint(ctx: KubekeyContext, controlPlane: readonly HostInput[]): ReturnType<typeof mapEndpoint> {
  const { d, cluster, specNode, pass } = ctx;
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
  reportInternalLb(ctx, cpeNode, address);
  if (Object.keys(cpeExtras).length > 0) pass.spec['controlPlaneEndpoint'] = cpeExtras;
  return mapEndpoint(
    { address, domain, port, controlPlaneAddresses: controlPlane.map((h) => h.address) },
    d,
    posOf(d, isMap(cpeNode) ? (valueOf(cpeNode, 'address') ?? cpeNode) : undefined) ?? keyPos(d, specNode, 'controlPlaneEndpoint'),
    { addressField: 'controlPlaneEndpoint.address', tool: 'KubeKey' },
  );
}

/** internalLoadbalancer: what KubeKey's node-local proxies or kube-vip become in kubeha (they stay in passthrough). */
function reportInternalLb({ d }: KubekeyContext, cpeNode: unknown, address: string | undefined): void {
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
}

/** spec.kubernetes → controlPlane.version and certSANs (and network.dnsDomain); `version` is the Cluster's apiVersion version. */
export function readKubernetes({ d, cluster, specNode, pass }: KubekeyContext, version: string, cp: NonNullable<SpecInput['controlPlane']>, network: NonNullable<SpecInput['network']>): void {
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
}

/** spec.network → network.plugin, podCIDR, serviceCIDR (the IPv4 range of a dual-stack value). */
export function readNetwork({ d, cluster, specNode, pass }: KubekeyContext, network: NonNullable<SpecInput['network']>): void {
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
}

/** spec.etcd → etcd.type and the endpoints of an external etcd. */
export function readEtcd({ d, cluster, specNode, pass }: KubekeyContext, etcd: NonNullable<SpecInput['etcd']>): void {
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
}

/** Everything else in spec, the other documents of the file and the metadata besides the name, into passthrough. */
export function keepTheRest({ d, cluster, root, specNode, pass }: KubekeyContext, documents: readonly Document[]): void {
  const handled = new Set(['hosts', 'roleGroups', 'controlPlaneEndpoint', 'kubernetes', 'network', 'etcd']);
  for (const [k, pair] of entries(specNode)) if (!handled.has(k)) pass.spec[k] = plain(cluster, pair.value, d, `spec.${k}`);
  for (const doc of documents) {
    if (doc === cluster) continue;
    pass.documents.push(plain(doc, doc.contents, d, `${scalarText(valueOf(doc.contents, 'kind')) ?? 'document'}`));
  }
  const metaExtras = plain(cluster, valueOf(root, 'metadata'), d, 'metadata');
  if (metaExtras && typeof metaExtras === 'object') {
    const rest = { ...(metaExtras as Record<string, unknown>) };
    delete rest['name'];
    if (Object.keys(rest).length > 0) pass.spec['metadata'] = rest;
  }
}

/** One info listing what went to passthrough.kubekey. */
export function reportPassthrough({ d, root, pass }: KubekeyContext): void {
  const kept: string[] = [];
  const specKeys = Object.keys(pass.spec).filter((k) => k !== 'metadata');
  for (const k of specKeys) {
    const v = pass.spec[k];
    kept.push(v && typeof v === 'object' && !Array.isArray(v) && ['kubernetes', 'network', 'etcd', 'controlPlaneEndpoint', 'roleGroups'].includes(k) ? `spec.${k}.{${keysOf(v as Record<string, unknown>)}}` : `spec.${k}`);
  }
  if (Object.keys(pass.hosts).length > 0) kept.push(`per-host fields of ${nameList(Object.keys(pass.hosts))}`);
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
}
