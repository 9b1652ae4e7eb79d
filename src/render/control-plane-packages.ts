/**
 * The packages that carry the upstream control-plane binaries (built by scripts/k8s-binaries.sh) as .debs in the offline
 * bundle: one name per component, so that `RenderedHost.packages` (what apply installs on a host) and the bundle that
 * builds them agree. Each installs its binaries into BINARY_DIR; `kubeha-etcd` also carries etcdctl and creates the
 * `etcd` system user (ETCD_USER) that runs etcd and owns its data and keys.
 */
export const CONTROL_PLANE_PACKAGES = {
  etcd: 'kubeha-etcd',
  apiserver: 'kubeha-kube-apiserver',
  controllerManager: 'kubeha-kube-controller-manager',
  scheduler: 'kubeha-kube-scheduler',
} as const;

export type ControlPlaneComponent = keyof typeof CONTROL_PLANE_PACKAGES;

/** The binary each package installs, by component. */
export const CONTROL_PLANE_BINARIES: Readonly<Record<ControlPlaneComponent, readonly string[]>> = {
  etcd: ['etcd', 'etcdctl'],
  apiserver: ['kube-apiserver'],
  controllerManager: ['kube-controller-manager'],
  scheduler: ['kube-scheduler'],
};

export const BINARY_DIR = '/usr/local/bin';
/** The system user etcd runs as (created by the kubeha-etcd package). */
export const ETCD_USER = 'etcd';

/** systemd unit of each component. */
export const CONTROL_PLANE_UNITS: Readonly<Record<ControlPlaneComponent, string>> = {
  etcd: 'etcd.service',
  apiserver: 'kube-apiserver.service',
  controllerManager: 'kube-controller-manager.service',
  scheduler: 'kube-scheduler.service',
};
