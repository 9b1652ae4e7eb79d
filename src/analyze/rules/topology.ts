/** Topology, security and certificate rules: how many of what, where, and who can reach it. */
import { apiBackendsOf, endpointMode, hairpinExposure } from '../../model/queries.js';
import { KA_MAN, allInstances, hostsWithLbConfig, rule } from './util.js';

export const topologyRules = [
  rule({
    id: 'topology-single-lb',
    severity: 'warning',
    title: 'A single load balancer: no failover',
    explain: `With one HAProxy host (or the endpoint on one host's own address) its reboot or crash is a control-plane outage, whatever the number of apiservers.
Source: kubeadm HA guide (https://kubernetes.io/docs/setup/production-environment/tools/kubeadm/high-availability/), "the load balancer ... must be highly available".
Fix: two or three LB hosts with keepalived, or an external LB.`,
    run(model, report) {
      if (model.externalLb) return;
      const lbs = hostsWithLbConfig(model).filter((h) => h.haproxy);
      const mode = endpointMode(model);
      if (mode.kind === 'static') report(`the endpoint ${model.endpoint.address} is ${mode.host.name}'s own address: nothing takes over when it fails`, { host: mode.host });
      else if (lbs.length === 1) report(`only ${lbs[0]?.name} runs HAProxy`, { host: lbs[0] });
    },
  }),
  rule({
    id: 'topology-apiserver-count',
    severity: 'warning',
    title: 'Fewer than 3 or an even number of control-plane hosts',
    explain: `Stacked etcd needs a majority: 2 members tolerate no failure (worse than 1), 4 tolerate one like 3. Fewer than 3 apiservers also leave no headroom while one is upgraded.
Source: etcd FAQ "Why an odd number of cluster members?" (https://etcd.io/docs/v3.5/faq/).
Fix: 3 (or 5) control-plane hosts.`,
    run(model, report) {
      const keys = new Set<string>();
      for (const h of model.hosts) if (h.apiserver) keys.add(h.address);
      if (model.externalLb) for (const b of model.externalLb.backends) keys.add(b.address);
      // A server written as a host's name is that host (`server cp1 cp1:6443`).
      const addressOf = (a: string): string => model.hosts.find((x) => x.name === a)?.address ?? a;
      for (const h of model.hosts) for (const be of apiBackendsOf(model, h)) for (const s of be.servers) if (!s.disabled && !s.address.startsWith('127.')) keys.add(addressOf(s.address));
      const n = keys.size;
      if (n > 0 && (n < 3 || n % 2 === 0)) report(`${n} control-plane host(s): ${n < 3 ? 'fewer than 3' : 'an even number'}`);
    },
  }),
  rule({
    id: 'topology-endpoint-unknown',
    severity: 'error',
    title: 'The endpoint address is neither a VIP, a host, nor an external LB',
    explain: `Nothing in the mirror answers on the address clients use; kubeha cannot tell who holds it, and probably nobody does.
Source: kubeha hosts.yaml \`endpoint\`.
Fix: set endpoint to the keepalived VIP (or the external LB address).`,
    run(model, report) {
      if (endpointMode(model).kind === 'unknown') report(`nobody holds ${model.endpoint.address}:${model.endpoint.port}`);
    },
  }),
  rule({
    id: 'topology-external-lb-hairpin',
    severity: 'warning',
    title: 'Cloud LB without hairpin: a master reaching itself through the LB fails',
    explain: `Many cloud L4 load balancers (e.g. Alibaba SLB, Azure internal LB) drop traffic from a backend to the LB that is sent back to that same backend. Kubelet, controller-manager and kubeadm join on a master use the endpoint and fail whenever the LB picks the local apiserver (seed 003's Aliyun note).
Source: Alibaba Cloud SLB docs ("backend servers cannot access the SLB as clients"); Azure LB limitations.
Fix: on masters resolve the endpoint's domain to 127.0.0.1 (or the node's own IP), and use the domain in kubeconfigs. kubeha checks each host's /etc/hosts in the mirror (hosts.yaml \`domain:\`): a master that resolves the domain to itself, with its apiserver on the endpoint port, is not reported.`,
    run(model, report) {
      const lb = model.externalLb;
      if (!lb || lb.hairpin || lb.backends.length === 0) return;
      const { exposed, backendHosts } = hairpinExposure(model);
      const domain = model.endpoint.domain;
      if (backendHosts.length === 0) {
        report(`${lb.address}:${lb.port} does not hairpin: its backends cannot reach the API through it when it picks themselves`);
        return;
      }
      if (exposed.length === 0) return;
      const why = (h: (typeof exposed)[number]): string => {
        const r = h.endpointResolution;
        if (!domain) return h.name;
        if (!r) return `${h.name} (no /etc/hosts entry for ${domain})`;
        if (h.apiserver?.port !== model.endpoint.port) return `${h.name} (${domain} → ${r.address}, but its apiserver listens on ${h.apiserver?.port ?? 'no port'}, not ${model.endpoint.port})`;
        return `${h.name} (${domain} → ${r.address}, the LB)`;
      };
      const first = exposed[0]?.endpointResolution?.at;
      report(
        `${lb.address}:${lb.port} does not hairpin: ${exposed.map(why).join(', ')} cannot reach the API through it when it picks themselves`,
        first ? { host: exposed[0], at: first } : undefined,
        domain ? `map ${domain} to 127.0.0.1 in these hosts' /etc/hosts` : 'give the endpoint a domain (kubeconfigs use it) and map it to 127.0.0.1 on the control-plane hosts',
      );
    },
  }),
  rule({
    id: 'topology-external-lb-no-health-check',
    severity: 'error',
    title: 'External LB without health checks',
    explain: `Without a health check the LB keeps sending 1/N of new connections to a dead apiserver forever.
Source: cloud LB documentation (listener health check).
Fix: enable a TCP (or HTTPS GET /readyz) health check on the listener.`,
    run(model, report) {
      if (model.externalLb && !model.externalLb.healthCheck) report(`${model.externalLb.address}:${model.externalLb.port} has no health check`);
    },
  }),
  rule({
    id: 'vrrp-auth-cleartext',
    severity: 'info',
    title: 'VRRP PASS authentication is clear text (and 1111 is the tutorial value)',
    explain: `auth_type PASS puts the password in every advert in clear text: it protects against nothing but misconfiguration, and RFC 3768 removed authentication from VRRPv2. "1111" is the value every tutorial copies.
Source: RFC 3768 §5.3.6 and §10; ${KA_MAN} "authentication".
Fix: drop the authentication block and use a unique virtual_router_id, unicast peers and a firewall rule allowing VRRP only between LBs.`,
    run(model, report) {
      for (const { host, inst } of allInstances(model))
        if (inst.auth?.type === 'PASS') report(`${host.name}/${inst.name} uses auth_type PASS${inst.auth.pass === '1111' ? ' with the tutorial password 1111' : ''}`, { host, at: inst.at });
    },
  }),
  rule({
    id: 'cert-san-missing-endpoint',
    severity: 'error',
    title: 'Apiserver certificate lacks the endpoint address in its SANs',
    explain: `Clients verify the apiserver certificate against the host name they dialled: if the VIP (or the endpoint's domain) is not a SAN, every kubectl/kubelet through the endpoint fails with "x509: certificate is valid for ..., not <VIP>".
Source: kubeadm ClusterConfiguration apiServer.certSANs (https://kubernetes.io/docs/reference/config-api/kubeadm-config.v1beta3/).
Fix: add the VIP and domain to apiServer.certSANs and re-issue the certificate (kubeadm init phase certs apiserver).`,
    run(model, report) {
      const want = [model.endpoint.address, model.endpoint.domain].filter((x): x is string => Boolean(x));
      for (const h of model.hosts) {
        const sans = h.apiserver?.certSANs;
        if (!h.apiserver || !sans) continue;
        const missing = want.filter((w) => !sans.includes(w));
        if (missing.length > 0) report(`the apiserver certificate on ${h.name}${h.apiserver.certFile ? ` (${h.apiserver.certFile})` : ''} lacks ${missing.join(', ')} in its SANs`, { host: h }, `add ${missing.join(', ')} to apiServer.certSANs and re-issue`);
      }
    },
  }),
  rule({
    id: 'cert-san-missing-host',
    severity: 'warning',
    title: "Apiserver certificate lacks the host's own address",
    explain: `Components on the host and other masters (and HAProxy checks with \`verify required\`) reach the apiserver at the node address; without it in the SANs they fail TLS verification.
Source: kubeadm certs phase (adds the advertise address by default).
Fix: re-issue the certificate with the node address.`,
    run(model, report) {
      for (const h of model.hosts) {
        const sans = h.apiserver?.certSANs;
        if (sans && !sans.includes(h.address)) report(`the apiserver certificate on ${h.name} lacks ${h.address}`, { host: h });
      }
    },
  }),
];
