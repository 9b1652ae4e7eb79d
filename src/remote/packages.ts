import { EnvironmentError } from '../diag/errors.js';
import type { RemoteHost } from './ssh.js';
import { shellQuote as q } from './ssh.js';

/**
 * Packages on a host, behind one interface: apt (Debian, Ubuntu; tested in the lab) and dnf (RHEL family; UNTESTED).
 */

/** Where the offline bundle lives on a host once copied there. */
export const REMOTE_BUNDLE_DIR = '/opt/kubeha/bundle';

export type PackageSource = 'host' | 'bundle';

export interface PackageManager {
  readonly kind: 'apt' | 'dnf';
  /** Shell command printing `name<TAB>version` for each installed package of `names` (absent ones are omitted). */
  queryCommand(names: string[]): string;
  parseQuery(out: string): Record<string, string>;
  /** Shell command that tells, per package, whether the host's own sources can install it (`name<TAB>yes|no`). */
  candidateCommand(names: string[]): string;
  /** Install command; with `bundle`, only the bundle at {@link REMOTE_BUNDLE_DIR} is used as a source. */
  installCommand(names: string[], source: PackageSource): string;
}

export const apt: PackageManager = {
  kind: 'apt',
  queryCommand: (names) => `dpkg-query -W -f='\${Package}\\t\${Version}\\t\${db:Status-Status}\\n' ${names.map(q).join(' ')} 2>/dev/null || true`,
  parseQuery(out) {
    const installed: Record<string, string> = {};
    for (const line of out.split('\n')) {
      const [name, version, status] = line.split('\t');
      if (name && version && status === 'installed') installed[name] = version;
    }
    return installed;
  },
  candidateCommand: (names) =>
    `for p in ${names.map(q).join(' ')}; do c=$(apt-cache policy "$p" 2>/dev/null | sed -n 's/^ *Candidate: *//p'); if [ -n "$c" ] && [ "$c" != "(none)" ]; then printf '%s\\tyes\\n' "$p"; else printf '%s\\tno\\n' "$p"; fi; done`,
  installCommand(names, source) {
    const env = 'DEBIAN_FRONTEND=noninteractive';
    // Keep config files kubeha already wrote (a rerun after an interruption may install after files were placed);
    // wait for the dpkg lock (an install of an interrupted run may still be finishing on the host).
    const dpkg = `-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold -o DPkg::Lock::Timeout=300`;
    // An install killed half-way leaves packages unpacked but not configured: finish that first.
    // dpkg has no lock timeout: retry while another dpkg holds the lock (up to 5 minutes).
    const recover = `for i in $(seq 1 150); do ${env} dpkg --configure -a --force-confdef --force-confold 2>/tmp/.kubeha-dpkg.err && break; grep -qi lock /tmp/.kubeha-dpkg.err || { cat /tmp/.kubeha-dpkg.err >&2; break; }; sleep 2; done; rm -f /tmp/.kubeha-dpkg.err`;
    if (source === 'host') return `${recover}; ${env} apt-get install -y --no-install-recommends ${dpkg} ${names.map(q).join(' ')}`;
    // The bundle as the ONLY source, for this install alone: the host's sources and lists stay untouched.
    const list = `${REMOTE_BUNDLE_DIR}.list`;
    const opts = `-o Dir::Etc::SourceList=${list} -o Dir::Etc::SourceParts=/nonexistent -o Dir::State::Lists=/var/lib/kubeha/apt-lists -o APT::Get::List-Cleanup=0`;
    return [
      'set -e',
      'mkdir -p /var/lib/kubeha/apt-lists/partial',
      `echo 'deb [trusted=yes] file:${REMOTE_BUNDLE_DIR} ./' > ${list}`,
      recover,
      `${env} apt-get ${opts} -o DPkg::Lock::Timeout=300 update -q`,
      `${env} apt-get ${opts} install -y --no-install-recommends ${dpkg} ${names.map(q).join(' ')}`,
    ].join('\n');
  },
};

/** UNTESTED: designed behind the same interface, never run against a RHEL-family host. */
export const dnf: PackageManager = {
  kind: 'dnf',
  queryCommand: (names) => `rpm -q --qf '%{NAME}\\t%{VERSION}-%{RELEASE}\\tinstalled\\n' ${names.map(q).join(' ')} 2>/dev/null | grep -v 'is not installed' || true`,
  parseQuery: (out) => apt.parseQuery(out),
  candidateCommand: (names) => `for p in ${names.map(q).join(' ')}; do if dnf -q list --available "$p" >/dev/null 2>&1 || rpm -q "$p" >/dev/null 2>&1; then printf '%s\\tyes\\n' "$p"; else printf '%s\\tno\\n' "$p"; fi; done`,
  installCommand(names, source) {
    if (source === 'host') return `dnf install -y ${names.map(q).join(' ')}`;
    return `dnf install -y --disablerepo='*' --repofrompath=kubeha-bundle,${REMOTE_BUNDLE_DIR} --setopt=kubeha-bundle.gpgcheck=0 ${names.map(q).join(' ')}`;
  },
};

/** Detects the package manager of a host (from the observation script's `pm=` line). */
export function packageManagerFor(kind: string, host: string): PackageManager {
  if (kind === 'apt') return apt;
  if (kind === 'dnf') return dnf;
  throw new EnvironmentError(`no supported package manager (found "${kind || 'none'}")`, 'kubeha supports Debian/Ubuntu (apt); RHEL-family (dnf) is untested', host);
}

/** Installs packages. Long timeout: a cold apt can take minutes. */
export async function installPackages(host: RemoteHost, pm: PackageManager, names: string[], source: PackageSource): Promise<void> {
  if (names.length === 0) return;
  await host.run(pm.installCommand(names, source), { timeoutMs: 15 * 60_000, label: source === 'bundle' ? `apt-get install ${names.join(' ')} (from ${REMOTE_BUNDLE_DIR})` : undefined });
}

/** Copies a local bundle directory (a flat apt repository) to the host as a tar stream. */
export async function uploadBundle(host: RemoteHost, tarball: Buffer, id: string): Promise<void> {
  // Unpacked beside, then swapped: an interrupted upload never leaves a half bundle with a valid id.
  const n = `${REMOTE_BUNDLE_DIR}.new`;
  await host.run(`rm -rf ${n} && mkdir -p ${n} && tar -C ${n} -xf - && echo ${q(id)} > ${n}/.kubeha-bundle-id && rm -rf ${REMOTE_BUNDLE_DIR} && mv ${n} ${REMOTE_BUNDLE_DIR}`, {
    stdin: tarball,
    timeoutMs: 10 * 60_000,
    label: `tar -C ${REMOTE_BUNDLE_DIR} -xf - (upload the offline bundle)`,
  });
}
