/**
 * The mirror layout: one folder holding every host's files at their real paths (`<host>/etc/haproxy/haproxy.cfg`),
 * next to a manifest that names the endpoint and the hosts. `kubeha render --out` writes one (with an index of what
 * it wrote), `kubeha analyze --from` collects one from the hosts, `kubeha analyze DIR` and `kubeha check` read one.
 * Names and paths only (pure).
 */

/** The manifest at the root of a mirror: endpoint, domain, hosts, externalLb. */
export const MANIFEST_FILE = 'hosts.yaml';

/** The index `kubeha render` leaves in a mirror: every file it wrote (its format: src/state/mirror-index.ts). */
export const INDEX_FILE = '.kubeha-files';

/** The manifest's path when the mirror is the root of a file source (`/hosts.yaml`). */
export const MANIFEST_PATH = `/${MANIFEST_FILE}`;

/** Where a host's file lies in the mirror, relative to its root: `<host>/<real path without the leading slash>`. */
export function hostFileInMirror(host: string, path: string): string {
  return `${host}/${path.replace(/^\/+/, '')}`;
}

/** Where kubeha reads each file on a host (and so in the host's folder of a mirror). */
export const HOST_PATHS = {
  haproxy: '/etc/haproxy/haproxy.cfg',
  keepalived: '/etc/keepalived/keepalived.conf',
  sysctlConf: '/etc/sysctl.conf',
  sysctlDir: '/etc/sysctl.d',
  hosts: '/etc/hosts',
  apiserverCert: '/etc/kubernetes/pki/apiserver.crt',
  haproxyEnv: ['/etc/default/haproxy', '/etc/sysconfig/haproxy'],
  systemdDir: '/etc/systemd/system',
  /** Which distribution: decides what `pidof` is when keepalived runs it (src/model/tracker-class.ts). */
  osRelease: ['/etc/os-release', '/usr/lib/os-release'],
} as const;
