import type { BundlePackage } from './bundle-index.js';
/** Types shared by the planner (pure), the observer and the engine (shell). */

/** A phase's name, e.g. `packages`: the phases and their order are data (src/apply/phases/index.ts). */
export type Phase = string;

/** What kubeha saw on a host before planning (src/apply/observe.ts). */
export interface ObservedHost {
  host: string;
  /** `apt`, `dnf` or '' when none was found. */
  packageManager: string;
  /** PRETTY_NAME of /etc/os-release. */
  os: string;
  /** Installed packages among those the host needs: name → version. */
  installed: Record<string, string>;
  /** Whether the host's own package sources can install a package (only asked for missing ones). */
  installable: Record<string, boolean>;
  /** Current content of every rendered path; `null` when absent. */
  files: Record<string, { content: string; mode: number; owner: string } | null>;
  services: Record<string, { active: string; enabled: string; startedAt: string }>;
  /** Pending reload markers left by an interrupted run (see src/remote/files.ts PENDING_DIR). */
  pending: string[];
  /** `.kubeha-tmp-*` leftovers of an interrupted run. */
  tempFiles: string[];
  /** kubeadm mode, control-plane hosts: what kubeadm needs and what it already did there. */
  kubeadm?: KubeadmObservation;
  /** Id of the offline bundle present at /opt/kubeha/bundle, if any. */
  bundleId?: string;
  /**
   * The host's clock as read during the observation (epoch ms), with this machine's clock just before the command was
   * sent and just after its output came back: the host's offset lies between `remoteMs - receivedMs` and
   * `remoteMs - sentMs` (src/apply/clock.ts).
   */
  clock?: { remoteMs: number; sentMs: number; receivedMs: number };
}

/** kubeadm's prerequisites on a control-plane host, and whether it ran there (src/apply/observe.ts). */
export interface KubeadmObservation {
  /** `kubeadm version -o short` (e.g. `v1.37.2`); undefined when kubeadm is not installed. */
  version?: string;
  /** A kubelet binary is on the PATH. */
  kubelet: boolean;
  /** The CRI socket exists (a container runtime listens). */
  runtime: boolean;
  /** kubeadm wrote the apiserver's static pod manifest (init or join --control-plane got that far). */
  manifests: boolean;
  /** kubeadm wrote the kubelet's kubeconfig (init or join finished its kubelet start). */
  kubeletConf: boolean;
}

/** A package the bundle holds in a newer version than the host. */
export interface PackageUpgrade {
  name: string;
  from: string;
  to: string;
}

/** The offline bundle given with --bundle, as the planner needs it. */
export interface BundleInfo {
  /** Content hash of the bundle: when the host's copy has the same id, it is not uploaded again. */
  id: string;
  /** Package names the bundle's repository holds. */
  packages: string[];
  /** The bundle's index: with it each host is sent only the packages it needs (src/apply/bundle-index.ts). */
  index?: BundlePackage[];
}

interface StepBase {
  /** Stable id within a host, e.g. `files:/etc/haproxy/haproxy.cfg`. */
  id: string;
  phase: Phase;
  /** Why this step is needed, for `plan`. */
  reason: string;
  /** One line for progress views, e.g. `write /etc/haproxy/haproxy.cfg`. */
  title: string;
}

export type Step =
  | (StepBase & { kind: 'fail'; message: string; hint?: string })
  | (StepBase & { kind: 'clean-temp'; files: string[] })
  | (StepBase & {
      kind: 'upload-bundle';
      /** What goes to the host: the files (`./x.deb`) of its subset with their own index, or the whole bundle. */
      bundle: { id: string; files?: string[] };
    })
  | (StepBase & {
      kind: 'install';
      packages: string[];
      source: 'host' | 'bundle';
      /**
       * Installed packages this step upgrades to the bundle's newer version (kubeha's own packages only): the units
       * they carry restart in their phase, one master at a time (src/apply/phases/control-plane.ts).
       */
      upgrades?: PackageUpgrade[];
    })
  | (StepBase & {
      kind: 'write-file';
      path: string;
      /** Full desired content (for a managed block: the whole file with the block merged). */
      content: string;
      mode: number;
      owner: string;
      validate?: 'haproxy' | 'keepalived';
      change: 'create' | 'update' | 'mode';
      /** Unified diff; a placeholder for secret files. */
      diff: string;
      secret: boolean;
      /** Markers set before the rename: `<unit>.reload|restart`, `daemon-reload`, `sysctl`. */
      pending: string[];
    })
  | (StepBase & { kind: 'daemon-reload'; clears: string[] })
  /** Loads these sysctl files (ours only: `sysctl --system` would also re-apply distro files, some read-only in containers). */
  | (StepBase & { kind: 'sysctl'; files: string[]; clears: string[] })
  | (StepBase & {
      kind: 'service';
      unit: string;
      action: 'enable' | 'start' | 'reload' | 'restart';
      clears: string[];
      /**
       * Queue the job and return (`systemctl --no-block`): for units started on every host together whose start only
       * completes once their peers are up (an etcd member waits for quorum); a `wait` step follows.
       */
      noBlock?: boolean;
    })
  /**
   * What `kubeadm init` does once the first apiserver answers: bind the group of the admin kubeconfig
   * (kubeadm:cluster-admins) to the cluster-admin role, as the break-glass super-admin (src/remote/kube-bootstrap.ts).
   */
  | (StepBase & { kind: 'bootstrap-rbac'; kubeconfig: string; apiserver: string })
  /**
   * kubeadm mode: `kubeadm init` on the first control-plane host or `kubeadm join` (control plane) on another, with the
   * rendered config. Its output goes to a root-only log on the host; the bootstrap token is never printed.
   */
  | (StepBase & { kind: 'kubeadm'; action: 'init' | 'join'; config: string })
  /** Read-only: waits (bounded) until a health check passes on the host (src/remote/health.ts runs it). */
  | (StepBase & {
      kind: 'wait';
      check: HealthCheck;
      timeoutMs: number;
      /** Units whose last log lines explain a check that never passed. */
      units: string[];
    })
  | (StepBase & {
      kind: 'verify';
      units: string[];
      files: { path: string; sha256: string }[];
      /**
       * Nothing is to change on the host: the observation just showed every unit active and enabled and every file as
       * rendered, so the engine does not ask the host again (a second round trip per host made a no-op apply slower).
       */
      observed?: boolean;
    });

export type StepKind = Step['kind'];

/** What a `wait` step waits for; the remote side turns it into a command (src/remote/health.ts). */
export type HealthCheck =
  /** `etcdctl endpoint health` over TLS, against the local member (`local`) or every member (`cluster`). */
  | { type: 'etcd'; scope: 'local' | 'cluster' }
  /** Every URL answers `ok` over HTTPS (anonymous health endpoints: /readyz, /healthz). */
  | { type: 'https-ok'; urls: string[] };

export interface HostPlan {
  host: string;
  address: string;
  packageManager: string;
  steps: Step[];
  /** Steps that change the host (all but checks and verify). */
  changes: number;
}

export interface Plan {
  /** The phases, in the order they run on each host (the planner's list; a phase without steps is skipped). */
  phases: Phase[];
  /**
   * Phases that start on every host together: a host begins one only when every other host with steps in it has
   * finished its earlier phases (or stopped). E.g. the members of a new etcd cluster start at once.
   */
  together?: Phase[];
  hosts: HostPlan[];
  /** Sum of changes over hosts. */
  changes: number;
}

/** Steps that do not modify a host. */
export const isChange = (s: Step): boolean => s.kind !== 'verify' && s.kind !== 'fail' && s.kind !== 'wait';
