import type { ClusterSpec, Host } from '../cluster-spec/types.js';
import { hostsWithRole } from '../cluster-spec/types.js';
import { DNS_NAME, cidrBounds, formatIPv4, isIPAddress, parseCidr } from '../net/ipv4.js';
import { lbHosts } from '../render/util.js';
import type { CaId, CertRequest } from './types.js';

/**
 * What certificates a spec needs, with kubeadm's names, subjects, usages and SANs (cmd/kubeadm/app/phases/certs and
 * phases/kubeconfig of v1.37), plus the names an HA control plane behind a load balancer is reached by.
 */

/** kubeadm: CACertificateValidityPeriod. */
export const CA_VALIDITY_DAYS = 3650;
/** kubeadm: CertificateValidityPeriod. */
export const LEAF_VALIDITY_DAYS = 365;
/**
 * A leaf closer than this to its notAfter is re-issued by the next apply (and reported by `certs check`): a quarter of
 * its life, so that an apply every few months keeps every certificate valid.
 */
export const RENEW_BEFORE_DAYS = 90;

/** The hosts that run kube-apiserver, kube-controller-manager and kube-scheduler. */
export const controlPlaneHosts = (spec: ClusterSpec): Host[] => hostsWithRole(spec, 'control-plane');

/** The members of the etcd cluster kubeha runs (none when etcd is external: its certificates are not ours). */
export const etcdMembers = (spec: ClusterSpec): Host[] => (spec.etcd.type === 'stacked' ? hostsWithRole(spec, 'etcd') : []);

/** The first address of the service CIDR: the ClusterIP of the `kubernetes` Service. */
export function firstServiceIp(serviceCidr: string): string | undefined {
  const c = parseCidr(serviceCidr.trim());
  return c ? formatIPv4(cidrBounds(c).network + 1) : undefined;
}

/** A SAN written by a user, as an IP or a DNS name (wildcards allowed); undefined when it is neither (kubeadm skips it too). */
export function classifySan(s: string): { ip: string } | { dns: string } | undefined {
  const v = s.trim();
  if (isIPAddress(v)) return { ip: v };
  const name = v.toLowerCase().replace(/\.$/, '');
  if (DNS_NAME.test(name) || (name.startsWith('*.') && DNS_NAME.test(name.slice(2)))) return { dns: name };
  return undefined;
}

function uniq(xs: (string | undefined)[]): string[] {
  const out: string[] = [];
  for (const x of xs) if (x && !out.includes(x)) out.push(x);
  return out;
}

function userSans(spec: ClusterSpec): { dns: string[]; ips: string[] } {
  const dns: string[] = [];
  const ips: string[] = [];
  const names = [...(spec.controlPlane.endpoint.domain ? [spec.controlPlane.endpoint.domain] : []), ...spec.controlPlane.certSANs];
  for (const s of names) {
    const c = classifySan(s);
    if (c && 'ip' in c) ips.push(c.ip);
    else if (c) dns.push(c.dns);
  }
  return { dns, ips };
}

/**
 * The apiserver serving certificate's SANs on `host`: kubeadm's list (host name, kubernetes, kubernetes.default,
 * kubernetes.default.svc, kubernetes.default.svc.<dnsDomain>, the first service IP, its own address, the endpoint,
 * certSANs) plus every address it can be reached at behind a load balancer: every control-plane address (a client
 * that fails over from one master to another keeps verifying), the endpoint address and the VIP, every LB host
 * address, and 127.0.0.1 (local clients).
 */
export function apiserverSans(spec: ClusterSpec, host: Host): { dnsNames: string[]; ips: string[] } {
  const domain = spec.network.dnsDomain.replace(/\.$/, '');
  const user = userSans(spec);
  const dnsNames = uniq([host.name, 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', domain ? `kubernetes.default.svc.${domain}` : undefined, ...user.dns]);
  const ips = uniq([
    firstServiceIp(spec.network.serviceCIDR),
    host.address,
    ...controlPlaneHosts(spec).map((h) => h.address),
    spec.controlPlane.endpoint.address,
    spec.loadBalancer.vip,
    ...lbHosts(spec).map((h) => h.address),
    '127.0.0.1',
    ...user.ips,
  ]).filter(isIPAddress);
  return { dnsNames, ips };
}

/** etcd server and peer certificates: kubeadm's getAltNames (host name, localhost, its address, 127.0.0.1, ::1). */
export function etcdSans(host: Host): { dnsNames: string[]; ips: string[] } {
  return { dnsNames: uniq([host.name, 'localhost']), ips: uniq([host.address, '127.0.0.1', '::1']) };
}

function ca(id: CaId, name: string, commonName: string): CertRequest {
  return { id, name, commonName, organization: [], dnsNames: [], ips: [], usages: [], validityDays: CA_VALIDITY_DAYS };
}

function leaf(id: string, name: string, issuer: CaId, commonName: string, usages: CertRequest['usages'], extra: Partial<CertRequest> = {}): CertRequest {
  return { id, name, issuer, commonName, organization: [], dnsNames: [], ips: [], usages, validityDays: LEAF_VALIDITY_DAYS, ...extra };
}

/** Storage id of a per-host leaf. */
export const hostCertId = (host: string, name: string): string => `hosts/${host}/${name}`;

/**
 * Every certificate the spec needs, CAs first. Control-plane hosts each get their own leaves (apiserver, its kubelet,
 * etcd and front-proxy clients, and the client certificates of controller-manager.conf and scheduler.conf); etcd
 * members their server, peer and healthcheck-client certificates; admin.conf and super-admin.conf are one each for
 * the cluster. A spec without control-plane hosts needs nothing.
 */
export function planPki(spec: ClusterSpec): CertRequest[] {
  const masters = controlPlaneHosts(spec);
  const members = etcdMembers(spec);
  if (masters.length === 0 && members.length === 0) return [];
  const out: CertRequest[] = [];
  if (masters.length > 0) out.push(ca('ca', 'ca', 'kubernetes'), ca('front-proxy-ca', 'front-proxy-ca', 'front-proxy-ca'));
  if (members.length > 0) out.push(ca('etcd/ca', 'etcd-ca', 'etcd-ca'));
  if (masters.length > 0) {
    out.push(
      leaf('users/admin', 'admin.conf', 'ca', 'kubernetes-admin', ['clientAuth'], { organization: ['kubeadm:cluster-admins'] }),
      leaf('users/super-admin', 'super-admin.conf', 'ca', 'kubernetes-super-admin', ['clientAuth'], { organization: ['system:masters'] }),
    );
  }
  for (const h of masters) {
    const id = (n: string): string => hostCertId(h.name, n);
    out.push(
      leaf(id('apiserver'), 'apiserver', 'ca', 'kube-apiserver', ['serverAuth'], { host: h.name, ...apiserverSans(spec, h) }),
      leaf(id('apiserver-kubelet-client'), 'apiserver-kubelet-client', 'ca', 'kube-apiserver-kubelet-client', ['clientAuth'], { host: h.name }),
      leaf(id('front-proxy-client'), 'front-proxy-client', 'front-proxy-ca', 'front-proxy-client', ['clientAuth'], { host: h.name }),
      ...(members.length > 0 ? [leaf(id('apiserver-etcd-client'), 'apiserver-etcd-client', 'etcd/ca', 'kube-apiserver-etcd-client', ['clientAuth'], { host: h.name })] : []),
      leaf(id('controller-manager'), 'controller-manager.conf', 'ca', 'system:kube-controller-manager', ['clientAuth'], { host: h.name }),
      leaf(id('scheduler'), 'scheduler.conf', 'ca', 'system:kube-scheduler', ['clientAuth'], { host: h.name }),
    );
  }
  for (const h of members) {
    const id = (n: string): string => hostCertId(h.name, n);
    const sans = etcdSans(h);
    out.push(
      leaf(id('etcd/server'), 'etcd-server', 'etcd/ca', h.name, ['serverAuth', 'clientAuth'], { host: h.name, ...sans }),
      leaf(id('etcd/peer'), 'etcd-peer', 'etcd/ca', h.name, ['serverAuth', 'clientAuth'], { host: h.name, ...sans }),
      leaf(id('etcd/healthcheck-client'), 'etcd-healthcheck-client', 'etcd/ca', 'kube-etcd-healthcheck-client', ['clientAuth'], { host: h.name }),
    );
  }
  return out;
}
