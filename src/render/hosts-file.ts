import type { ClusterSpec, Host } from '../cluster-spec/types.js';
import { token } from './util.js';

export const HOSTS_FILE = '/etc/hosts';

export function hostsMarkers(spec: ClusterSpec): { begin: string; end: string } {
  return { begin: `# BEGIN kubeha ${spec.name}`, end: `# END kubeha ${spec.name}` };
}

/**
 * The managed block of /etc/hosts: the endpoint domain → the address clients use (the VIP), so every host
 * resolves it without DNS. Undefined when the spec names no domain.
 * In external mode without hairpin, control-plane hosts map the domain to 127.0.0.1 instead: many cloud L4 LBs
 * drop a backend's connection to itself (seed 003, Alibaba SLB), and their own apiserver listens on the endpoint port.
 */
export function renderHostsBlock(spec: ClusterSpec, host: Host): string | undefined {
  const given = spec.controlPlane.endpoint;
  if (!given.domain) return undefined;
  const ep = { ...given, domain: token(given.domain, 'the endpoint domain', 'hosts'), address: token(given.address, 'the endpoint address', 'hosts') };
  const { begin, end } = hostsMarkers(spec);
  const local =
    spec.loadBalancer.mode === 'external' &&
    !spec.loadBalancer.hairpin &&
    host.roles.includes('control-plane') &&
    ep.port === spec.controlPlane.apiserverPort;
  const lines = local
    ? [
        '# The external LB cannot send a backend to itself (hairpin): this control-plane host uses its own apiserver.',
        `127.0.0.1 ${ep.domain}`,
      ]
    : [`# The control-plane endpoint, resolved without DNS (kubeconfigs and certificates name ${ep.domain}).`, `${ep.address} ${ep.domain}`];
  return [begin, ...lines, end, ''].join('\n');
}
