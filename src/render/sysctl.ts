import type { ClusterSpec, Host } from '../cluster-spec/types.js';
import { header } from './util.js';

export const SYSCTL_FILE = '/etc/sysctl.d/90-kubeha.conf';

/** sysctl settings a host needs for its roles, or undefined when it needs none. */
export function renderSysctl(spec: ClusterSpec, host: Host, isLb: boolean): string | undefined {
  const lines: string[] = [];
  if (isLb)
    lines.push(
      '# HAProxy binds the VIP on every LB host, also while another one holds it: allow binding an address not (yet) on this host.',
      'net.ipv4.ip_nonlocal_bind = 1',
    );
  if (host.roles.includes('control-plane') || host.roles.includes('worker'))
    lines.push('# Nodes route pod traffic (Kubernetes container-runtime prerequisite; kubeadm preflight checks it).', 'net.ipv4.ip_forward = 1');
  if (lines.length === 0) return undefined;
  return [header(spec, host.name), ...lines, ''].join('\n');
}
