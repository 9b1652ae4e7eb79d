import { RemoteCommandError } from '../diag/errors.js';
import { tail } from '../diag/output-tail.js';
import type { RemoteHost } from './ssh.js';
import { shellQuote as q } from './ssh.js';

/**
 * What `kubeadm init` does right after its first apiserver answers, for the admin kubeconfig to be of use: a
 * ClusterRoleBinding `kubeadm:cluster-admins` of the group of that name to `cluster-admin`, created as the
 * super-admin (group system:masters, which RBAC never denies). Run on the host that holds super-admin.conf, with
 * curl and the credentials of that file (written to a private temp dir and removed). 409 (exists) counts as done.
 */

export const ADMIN_GROUP_BINDING = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name: 'kubeadm:cluster-admins' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
  subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'kubeadm:cluster-admins' }],
};

export function bootstrapRbacScript(kubeconfig: string, apiserver: string): string {
  const field = (name: string, out: string): string => `sed -n 's/^ *${name}: *//p' ${q(kubeconfig)} | head -1 | base64 -d > "$d/${out}"`;
  return [
    'set -e',
    'd=$(mktemp -d); trap \'rm -rf "$d"\' EXIT; chmod 700 "$d"',
    field('certificate-authority-data', 'ca.crt'),
    field('client-certificate-data', 'c.crt'),
    field('client-key-data', 'c.key'),
    `code=$(curl -s --max-time 20 -o "$d/out" -w '%{http_code}' --cacert "$d/ca.crt" --cert "$d/c.crt" --key "$d/c.key" -H 'Content-Type: application/json' -X POST --data-binary @- ${q(`${apiserver}/apis/rbac.authorization.k8s.io/v1/clusterrolebindings`)} <<'EOF_JSON'`,
    JSON.stringify(ADMIN_GROUP_BINDING),
    'EOF_JSON',
    ')',
    'case "$code" in 201) echo created ;; 409) echo exists ;; *) echo "HTTP $code" >&2; cat "$d/out" >&2; exit 1 ;; esac',
  ].join('\n');
}

export async function bootstrapRbac(host: RemoteHost, kubeconfig: string, apiserver: string): Promise<string> {
  const r = await host.exec(bootstrapRbacScript(kubeconfig, apiserver), { timeoutMs: 60_000 });
  if (r.exitCode !== 0) throw new RemoteCommandError(host.name, `curl -X POST ${apiserver}/apis/rbac.authorization.k8s.io/v1/clusterrolebindings (kubeadm:cluster-admins, as ${kubeconfig})`, r.exitCode, tail(r.stderr.trim() || r.stdout.trim(), 10), r.signal);
  return r.stdout.trim();
}
