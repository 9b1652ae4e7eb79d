import { resolve } from 'node:path';
import type { ClusterSpec } from '../cluster-spec/types.js';
import { observeHost } from '../apply/observe.js';
import { mapLimit } from '../apply/map-limit.js';
import { checkPki } from '../pki/check.js';
import type { CertCheckReport, SeenFile } from '../pki/check.js';
import { pkiLayout } from '../pki/files.js';
import { userKubeconfig } from '../pki/kubeconfig.js';
import type { KubeconfigUser } from '../pki/kubeconfig.js';
import type { Issued } from '../pki/types.js';
import type { RenderedHost } from '../render/types.js';
import { loadOrIssuePki, loadPki } from '../state/pki.js';
import { defaultStateDir } from '../state/secrets.js';
import type { Session } from './session.js';

/** The certificate use cases: `kubeha certs check`, the PKI half of `kubeha certs renew`, and `kubeha kubeconfig`. */

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Reads the PKI files of every host of the session (one read-only command per host, in parallel: the observation
 * `plan` makes, limited to these paths) and checks them and the state directory's PKI against the spec. Read-only:
 * nothing is issued, nothing is written.
 */
export async function checkCerts(session: Session, now: Date = new Date(), describe: (err: unknown) => string = messageOf): Promise<CertCheckReport> {
  const spec = session.spec;
  const selected = new Set(session.rendered.map((r) => r.host));
  const hosts = spec.hosts.filter((h) => selected.has(h.name) && pkiLayout(spec, h).length > 0);
  const observed = new Map<string, Record<string, SeenFile | null>>();
  const unreachable = new Map<string, string>();
  await mapLimit(hosts, session.parallel, async (h) => {
    const want: RenderedHost = { host: h.name, address: h.address, packages: [], services: [], files: pkiLayout(spec, h).map((f) => ({ path: f.path, content: '', mode: 0o600 })) };
    try {
      observed.set(h.name, (await observeHost(session.remote(h.name), want)).files);
    } catch (err) {
      unreachable.set(h.name, describe(err));
    }
  });
  const report = await checkPki(spec, loadPki(session.stateDir), { observed, unreachable, now });
  // Only the selected hosts (--only) were read: the others are not reported.
  report.problems = report.problems.filter((p) => p.host === undefined || selected.has(p.host));
  report.certificates = report.certificates.filter((c) => c.where === 'state' || selected.has(c.where));
  return report;
}

/**
 * The PKI half of `kubeha certs renew`: what the session re-issued when it opened (`renewPki`), saved in the state
 * directory. The files reach the hosts through the apply use case (src/ops/apply.ts), like any other change.
 */
export async function renewedCerts(session: Session): Promise<Issued[]> {
  return (await session.pki()).issued;
}

export interface KubeconfigRequest {
  user: KubeconfigUser;
  /** @default .kubeha/<cluster name> next to the spec */
  stateDir?: string;
  /** Overrides the server URL (default: the endpoint). */
  server?: string;
  now?: Date;
}

/** `kubeha kubeconfig`: the kubeconfig of a user, from the state directory's PKI (issued there first if missing). */
export async function kubeconfigFor(specPath: string, spec: ClusterSpec, request: KubeconfigRequest): Promise<{ text: string; issued: Issued[] }> {
  const stateDir = request.stateDir ?? defaultStateDir(resolve(specPath), spec);
  const { pki, issued } = await loadOrIssuePki(stateDir, spec, request.now ?? new Date());
  return { text: userKubeconfig(spec, pki, request.user, request.server), issued };
}
