/**
 * KubeKey's internal load balancer, as its current templates render it (kubesphere/kubekey, builtin/core roles
 * `kubernetes/pre-kubernetes`, template `haproxy/haproxy.cfg` and task `high-availability/haproxy.yaml`, read at commit
 * 1c3204b, 2026-08-21): when `control_plane_endpoint.type` is `haproxy`, every worker that is not a control-plane
 * node runs HAProxy as a static pod (image haproxy 2.9.6-alpine) bound to `127.0.0.1:<endpoint port>`, in front of
 * every control-plane node's apiserver; the control-plane nodes reach their own apiserver. Its settings:
 * `balance leastconn`, `option httpchk GET /healthz` with `http-check expect status 200` over TLS (`check-ssl verify
 * none`), `default-server inter 15s downinter 15s rise 2 fall 2 slowstart 60s maxconn 1000 maxqueue 256 weight 100`,
 * `retries 5`, `option redispatch`, `timeout connect 30s`, `timeout client 30s`, `timeout server 15m`, and a
 * `monitor-uri /healthz` frontend on port 8081 for the pod's probes.
 *
 * This module produces the same settings in our terms (it is not KubeKey's template): the nodes and addresses come
 * from the caller, and `bindAddress` may be something other than loopback when the client cannot run on the node
 * itself (in the lab the client probes from its own namespace, so the node's address stands in for 127.0.0.1).
 */

export interface KubekeyInternalLbInput {
  /** The control-plane nodes, in inventory order: KubeKey names each server after the node's hostname. */
  controlPlane: readonly { hostname: string; address: string }[];
  /** The apiservers' port (`kubernetes.apiserver.port`). @default 6443 */
  apiserverPort?: number;
  /** `control_plane_endpoint.haproxy.address`. @default 127.0.0.1 */
  bindAddress?: string;
  /** `control_plane_endpoint.port`. @default 6443 */
  port?: number;
  /** `control_plane_endpoint.haproxy.health_port`. @default 8081 */
  healthPort?: number;
}

/** Where KubeKey writes the file on a node (mounted into the static pod at /usr/local/etc/haproxy/). */
export const KUBEKEY_HAPROXY_CFG = '/etc/kubekey/haproxy/haproxy.cfg';

export function renderKubekeyInternalLb(input: KubekeyInternalLbInput): string {
  const port = input.port ?? 6443;
  const apiserverPort = input.apiserverPort ?? 6443;
  const section = (head: string, lines: readonly (readonly [string, string])[], indent: number): string[] => [head, ...lines.map(([k, v]) => `${' '.repeat(indent)}${k.padEnd(23)} ${v}`.trimEnd())];
  const servers = input.controlPlane.map((n) => `  server ${n.hostname} ${n.address.includes(':') ? `[${n.address}]` : n.address}:${apiserverPort} check check-ssl verify none`);
  return [
    ...section('global', [['maxconn', '4000'], ['log', '127.0.0.1 local0']], 4),
    '',
    ...section(
      'defaults',
      [
        ['mode', 'http'],
        ['log', 'global'],
        ['option', 'httplog'],
        ['option', 'dontlognull'],
        ['option', 'http-server-close'],
        ['option', 'redispatch'],
        ['retries', '5'],
        ['timeout http-request', '5m'],
        ['timeout queue', '5m'],
        ['timeout connect', '30s'],
        ['timeout client', '30s'],
        ['timeout server', '15m'],
        ['timeout http-keep-alive', '30s'],
        ['timeout check', '30s'],
        ['maxconn', '4000'],
      ],
      4,
    ),
    '',
    'frontend healthz',
    `  bind *:${input.healthPort ?? 8081}`,
    '  mode http',
    '  monitor-uri /healthz',
    '',
    'frontend kube_api_frontend',
    `  bind ${input.bindAddress ?? '127.0.0.1'}:${port}`,
    '  mode tcp',
    '  option tcplog',
    '  default_backend kube_api_backend',
    '',
    'backend kube_api_backend',
    '  mode tcp',
    '  balance leastconn',
    '  default-server inter 15s downinter 15s rise 2 fall 2 slowstart 60s maxconn 1000 maxqueue 256 weight 100',
    '  option httpchk GET /healthz',
    '  http-check expect status 200',
    ...servers,
    '',
  ].join('\n');
}
