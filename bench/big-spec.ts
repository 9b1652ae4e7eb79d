/** A large but valid spec: 2 LBs, `masters` control-plane hosts, `workers` workers. */
export function bigSpec(masters: number, workers: number): string {
  const lines = [
    'apiVersion: kubeha.io/v1alpha1',
    'kind: Cluster',
    'metadata:',
    '  name: bench',
    'loadBalancer:',
    '  mode: keepalived-haproxy',
    '  vip: 10.77.0.10',
    'hosts:',
    '  - {name: lb0, address: 10.77.0.11, roles: [loadbalancer]}',
    '  - {name: lb1, address: 10.77.0.12, roles: [loadbalancer]}',
  ];
  for (let i = 1; i <= masters; i++) lines.push(`  - {name: master${i}, address: 10.77.0.${20 + i}, roles: [control-plane, etcd]}`);
  for (let i = 0; i < workers; i++) lines.push(`  - {name: worker${i + 1}, address: 10.77.${1 + Math.floor(i / 250)}.${1 + (i % 250)}, roles: [worker]}`);
  return lines.join('\n') + '\n';
}
