import { stringify } from 'yaml';

/**
 * The ClusterRoleBindings kubeadm creates right after the first apiserver answers (with super-admin.conf, whose
 * system:masters group bypasses RBAC), without which kubeha's identities have no rights:
 * - `kubeadm:cluster-admins`: admin.conf's group kubeadm:cluster-admins → cluster-admin;
 * - `kubeadm:apiserver-kubelet-client`: the apiserver's kubelet client (logs, exec, port-forward) →
 *   system:kubelet-api-admin.
 * As one multi-document YAML for `kubectl --kubeconfig /etc/kubernetes/super-admin.conf apply -f -`.
 */
export function bootstrapRbacManifest(): string {
  const binding = (name: string, role: string, subject: { kind: 'Group' | 'User'; name: string }): string =>
    stringify({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', ...subject }],
    });
  return [
    binding('kubeadm:cluster-admins', 'cluster-admin', { kind: 'Group', name: 'kubeadm:cluster-admins' }),
    binding('kubeadm:apiserver-kubelet-client', 'system:kubelet-api-admin', { kind: 'User', name: 'kube-apiserver-kubelet-client' }),
  ].join('---\n');
}
