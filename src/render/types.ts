/** A file that kubeha wants on a host. */
export interface RenderedFile {
  /** Absolute path on the host, e.g. `/etc/haproxy/haproxy.cfg`. */
  path: string;
  content: string;
  /** Octal file mode, e.g. 0o644. Files holding secrets are 0o600. */
  mode: number;
  /** @default 'root' */
  owner?: string;
  /** Real tool that must accept the file before it replaces the live one. */
  validate?: 'haproxy' | 'keepalived';
  /** systemd unit to reload (or restart) when this file changes. */
  reloads?: { unit: string; action: 'reload' | 'restart' };
  /** `systemctl daemon-reload` must run when the file changes (unit drop-ins); no restart is implied. */
  daemonReload?: boolean;
  /** `sysctl --system` must run when the file changes. */
  appliesSysctl?: boolean;
  /** The content holds a secret: masked in diffs and never printed. */
  secret?: boolean;
  /**
   * The file is shared with the system (e.g. /etc/hosts): `content` (which starts with `begin` and ends with `end`)
   * replaces the lines between these markers, or is appended when they are absent; the rest of the file is kept.
   */
  managedBlock?: { begin: string; end: string };
}

export interface RenderedHost {
  host: string;
  address: string;
  /** Debian package names the files need (haproxy, keepalived, …). */
  packages: string[];
  /** systemd units to enable and start. */
  services: string[];
  files: RenderedFile[];
  /**
   * kubeadm mode, control-plane hosts: what apply runs with kubeadm there (`init` on the first, `join` on the others),
   * with the rendered config and the URL of the host's own `/readyz`.
   */
  kubeadm?: KubeadmRun;
}

export interface KubeadmRun {
  action: 'init' | 'join';
  /** The rendered config kubeadm reads (`--config`). */
  config: string;
  /** The host's own apiserver's `/readyz`. */
  readyz: string;
  /** The CRI socket kubeadm and the kubelet use (`unix://…`). */
  criSocket: string;
  /** The Kubernetes version kubeadm installs (`kubernetesVersion`). */
  version: string;
}

/**
 * What the PKI (shell, state directory) hands the renderers besides secrets. Public material only: the keys and
 * certificates the hosts need (and the CA on the LB hosts) are installed by the PKI itself (src/pki/files.ts).
 */
export interface RenderMaterial {
  /** The cluster CA certificate (PEM): kubeadm mode renders the discovery kubeconfig of `kubeadm join` with it. */
  clusterCaCert?: string;
}
