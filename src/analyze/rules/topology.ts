/** Topology, security and certificate rules: how many of what, where, and who can reach it. */
import { apiBackendsOf, endpointMode, hairpinExposure } from '../../model/queries.js';
import { allInstances, hostsWithLbConfig, rule } from './util.js';

export const topologyRules = [
  rule({
    id: 'topology-single-lb',
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
    run(model, report) {
      if (endpointMode(model).kind === 'unknown') report(`nobody holds ${model.endpoint.address}:${model.endpoint.port}`);
    },
  }),
  rule({
    id: 'topology-external-lb-hairpin',
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
    run(model, report) {
      if (model.externalLb && !model.externalLb.healthCheck) report(`${model.externalLb.address}:${model.externalLb.port} has no health check`);
    },
  }),
  rule({
    id: 'vrrp-auth-cleartext',
    run(model, report) {
      for (const { host, inst } of allInstances(model))
        if (inst.auth?.type === 'PASS') report(`${host.name}/${inst.name} uses auth_type PASS${inst.auth.pass === '1111' ? ' with the password every tutorial copies' : ''}`, { host, at: inst.at });
    },
  }),
  rule({
    id: 'cert-san-missing-endpoint',
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
    run(model, report) {
      for (const h of model.hosts) {
        const sans = h.apiserver?.certSANs;
        if (sans && !sans.includes(h.address)) report(`the apiserver certificate on ${h.name} lacks ${h.address}`, { host: h });
      }
    },
  }),
];
