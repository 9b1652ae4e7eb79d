import { parse } from 'yaml';
import type { ClusterSpec } from '../cluster-spec/types.js';
import type { Code } from '../diag/catalog.js';
import type { Problem, Severity } from '../diag/problem.js';
import { isDue, missingSans } from './issue.js';
import { endpointUrl, localApiserverUrl } from './kubeconfig.js';
import { pkiLayout } from './files.js';
import type { PkiFile } from './files.js';
import { RENEW_BEFORE_DAYS, planPki } from './plan.js';
import type { CertRequest, Crypto, StoredPki } from './types.js';
import { importPrivateKey, publicFingerprint, readCert, signedBy } from './x509.js';
import type { CertInfo } from './x509.js';

/**
 * `kubeha certs check` as a function: every certificate in the state directory and on every host (as read over SSH),
 * what it is (subject, SANs, issuer, expiry) and what the spec needs that it lacks. Keys are read only to compare
 * them with their certificates; nothing here puts a key's content into a row or a message.
 */

const DAY = 86_400_000;
/** A CA closer than this to its end is reported (CERT_CA_EXPIRING). */
export const CA_WARN_DAYS = 365;

export interface SeenFile {
  content: string;
  mode: number;
  owner: string;
}

export interface CertRow {
  /** A host name, or `state` for the state directory. */
  where: string;
  /** The path on the host, or under the state directory. */
  path: string;
  /** The request id and kubeadm's name of the certificate. */
  id: string;
  name: string;
  subject: string;
  issuer: string;
  /** The serial number (hex, as the certificate carries it): a renewal changes it. */
  serial: string;
  sans: string[];
  notAfter: string;
  daysLeft: number;
  /** The codes of the problems found in this file. */
  problems: Code[];
}

export interface CertCheckReport {
  certificates: CertRow[];
  problems: Problem[];
}

export interface CheckInput {
  /** What each reachable host holds at the PKI paths (null: absent). */
  observed: ReadonlyMap<string, Readonly<Record<string, SeenFile | null>>>;
  /** Hosts that could not be read, with why. */
  unreachable: ReadonlyMap<string, string>;
  now: Date;
  crypto?: Crypto;
  renewBeforeDays?: number;
}

const RENEW_HINT = 'run `kubeha certs renew cluster.yaml` (or `kubeha apply`)';

export async function checkPki(spec: ClusterSpec, stored: StoredPki | undefined, input: CheckInput): Promise<CertCheckReport> {
  const crypto = input.crypto ?? globalThis.crypto;
  const now = input.now;
  const window = input.renewBeforeDays ?? RENEW_BEFORE_DAYS;
  const requests = new Map(planPki(spec).map((r) => [r.id, r]));
  const rows: CertRow[] = [];
  const problems: Problem[] = [];
  const problem = (code: Code, severity: Severity, where: string, path: string, message: string, hint: string, row?: CertRow): void => {
    problems.push({ code, severity, message, hint, file: path, ...(where === 'state' ? {} : { host: where }) });
    row?.problems.push(code);
  };

  // The state directory first: its CAs are what every certificate on the hosts must chain to.
  const cas = new Map<string, CertInfo>();
  const stateInfo = new Map<string, CertInfo>();
  for (const req of requests.values()) {
    const pair = stored?.certs[req.id];
    const path = `pki/${req.id}.crt`;
    if (!pair) {
      problem('CERT_MISSING', 'error', 'state', path, `the state directory has no ${req.name} certificate (${req.id})`, '`kubeha apply cluster.yaml` issues it');
      continue;
    }
    const info = await readCert(crypto, pair.cert);
    if (!info) {
      problem('CERT_UNREADABLE', 'error', 'state', path, `${path} is not a PEM certificate`, RENEW_HINT);
      continue;
    }
    stateInfo.set(req.id, info);
    if (!req.issuer) cas.set(req.id, info);
  }
  for (const [id, info] of stateInfo) {
    const req = requests.get(id)!;
    const row = rowOf('state', `pki/${id}.crt`, req, info, now);
    rows.push(row);
    await certProblems(req, info, row, 'state');
  }
  if (!stored?.serviceAccount && [...requests.values()].some((r) => r.id === 'ca'))
    problem('CERT_MISSING', 'error', 'state', 'pki/sa.key', 'the state directory has no service-account key pair', '`kubeha apply cluster.yaml` issues it');

  for (const host of spec.hosts) {
    const layout = pkiLayout(spec, host);
    if (layout.length === 0) continue;
    const why = input.unreachable.get(host.name);
    const seen = input.observed.get(host.name);
    if (why !== undefined || !seen) {
      problem('CERT_HOST_UNREACHABLE', 'error', host.name, '', `cannot read the certificates of ${host.name}: ${why ?? 'not observed'}`, 'check SSH access to the host');
      continue;
    }
    const certOnHost = new Map<string, CertInfo>();
    for (const f of layout) await checkFile(host.name, f, seen[f.path] ?? null, certOnHost, localApiserverUrl(spec, host));
  }

  async function checkFile(where: string, f: PkiFile, file: SeenFile | null, certOnHost: Map<string, CertInfo>, localUrl: string): Promise<void> {
    if (!file) {
      problem('CERT_MISSING', 'error', where, f.path, `${f.path} is absent`, '`kubeha apply cluster.yaml` writes it');
      return;
    }
    const secret = f.part !== 'cert' && f.part !== 'sa-pub';
    if (secret && (file.mode & 0o077) !== 0)
      problem('CERT_KEY_MODE', 'error', where, f.path, `${f.path} holds a private key and has mode ${file.mode.toString(8).padStart(4, '0')}`, '`kubeha apply` restores 0600; meanwhile chmod 600 it');
    if (f.part === 'sa-key' || f.part === 'sa-pub') {
      const want = f.part === 'sa-key' ? stored?.serviceAccount?.key : stored?.serviceAccount?.pub;
      if (want !== undefined && file.content !== want)
        problem('CERT_DIFFERS', 'warning', where, f.path, `${f.path} is not the service-account key kubeha holds: tokens signed on one control-plane host fail on another`, '`kubeha apply cluster.yaml` writes the one key to every control-plane host');
      return;
    }
    const req = requests.get(f.id);
    if (!req) return;
    let certText = file.content;
    let keyText: string | undefined;
    if (f.part === 'kubeconfig') {
      const kc = readKubeconfig(file.content);
      if (!kc) {
        problem('CERT_UNREADABLE', 'error', where, f.path, `${f.path} is not a kubeconfig with an embedded client certificate and key`, RENEW_HINT);
        return;
      }
      certText = kc.cert;
      keyText = kc.key;
      const wantServer = f.id.startsWith('users/') ? endpointUrl(spec) : localUrl;
      const caPem = stored?.certs['ca']?.cert;
      if (caPem !== undefined && kc.ca.trim() !== caPem.trim())
        problem('CERT_UNTRUSTED', 'error', where, f.path, `${f.path} embeds another CA than the cluster's: clients using it cannot verify the apiserver`, RENEW_HINT);
      if (kc.server !== wantServer) problem('CERT_DIFFERS', 'warning', where, f.path, `${f.path} points at ${kc.server}, the spec says ${wantServer}`, '`kubeha apply cluster.yaml` rewrites it');
    } else if (f.part === 'key') {
      keyText = file.content;
    }
    if (f.part === 'key') {
      const cert = certOnHost.get(f.id);
      const key = await importPrivateKey(crypto, keyText ?? '');
      if (!key) problem('CERT_UNREADABLE', 'error', where, f.path, `${f.path} is not a PKCS#8 private key kubeha can read`, RENEW_HINT);
      else if (cert && (await publicFingerprint(crypto, key)) !== (await publicFingerprint(crypto, cert.publicKey)))
        problem('CERT_KEY_MISMATCH', 'error', where, f.path, `${f.path} is not the key of the certificate next to it`, RENEW_HINT);
      return;
    }
    const info = await readCert(crypto, certText);
    if (!info) {
      problem('CERT_UNREADABLE', 'error', where, f.path, `${f.path} is not a PEM certificate`, RENEW_HINT);
      return;
    }
    certOnHost.set(f.id, info);
    const row = rowOf(where, f.path, req, info, now);
    rows.push(row);
    const before = problems.length;
    await certProblems(req, info, row, where, f.path);
    if (f.part === 'kubeconfig' && keyText !== undefined) {
      const key = await importPrivateKey(crypto, keyText);
      if (!key || (await publicFingerprint(crypto, key)) !== (await publicFingerprint(crypto, info.publicKey)))
        problem('CERT_KEY_MISMATCH', 'error', where, f.path, `the key in ${f.path} is not the key of its client certificate`, RENEW_HINT, row);
    }
    const storedCert = stored?.certs[f.id]?.cert;
    if (problems.length === before && storedCert !== undefined && storedCert.trim() !== certText.trim())
      problem('CERT_DIFFERS', 'warning', where, f.path, `${f.path} is valid but not the certificate kubeha holds for it (serial ${info.serial})`, '`kubeha plan` shows the change; `kubeha apply` writes it', row);
  }

  async function certProblems(req: CertRequest, info: CertInfo, row: CertRow, where: string, path = row.path): Promise<void> {
    const identity: string[] = [];
    if (info.commonName !== req.commonName) identity.push(`CN is "${info.commonName}", want "${req.commonName}"`);
    if (info.organization.join(',') !== req.organization.join(',')) identity.push(`O is "${info.organization.join(',')}", want "${req.organization.join(',')}"`);
    if (info.isCa !== (req.issuer === undefined)) identity.push(req.issuer ? 'it is a CA certificate' : 'it is not a CA certificate');
    const usages = req.usages.filter((u) => !info.usages.includes(u));
    if (usages.length > 0) identity.push(`it lacks extended key usage ${usages.join(', ')}`);
    if (identity.length > 0) problem('CERT_WRONG_IDENTITY', 'error', where, path, `the ${req.name} certificate: ${identity.join('; ')}`, RENEW_HINT, row);
    const missing = missingSans(req, info);
    if (missing.length > 0)
      problem('CERT_MISSING_SAN', 'error', where, path, `the ${req.name} certificate lacks SAN ${missing.join(', ')}`, `${RENEW_HINT}: it is re-issued with every SAN the spec needs`, row);
    const ca = req.issuer ? cas.get(req.issuer) : cas.get(req.id);
    if (req.issuer && ca && !(await signedBy(crypto, info, ca)))
      problem('CERT_UNTRUSTED', 'error', where, path, `the ${req.name} certificate is not signed by the cluster's ${req.issuer} (issuer: ${info.issuer})`, RENEW_HINT, row);
    if (!req.issuer && ca && where !== 'state' && info.serial !== ca.serial)
      problem('CERT_UNTRUSTED', 'error', where, path, `${path} is another CA than the ${req.id} kubeha holds (subject ${info.subject}, serial ${info.serial})`, RENEW_HINT, row);
    if (info.notBefore.getTime() > now.getTime())
      problem('CERT_NOT_YET_VALID', 'error', where, path, `the ${req.name} certificate is valid only from ${info.notBefore.toISOString()}`, 'fix the clocks (NTP) of this machine and the hosts', row);
    if (info.notAfter.getTime() <= now.getTime()) problem('CERT_EXPIRED', 'error', where, path, `the ${req.name} certificate expired on ${info.notAfter.toISOString()}`, RENEW_HINT, row);
    else if (req.issuer && isDue(info, ca, now, window))
      problem('CERT_EXPIRING', 'warning', where, path, `the ${req.name} certificate expires on ${info.notAfter.toISOString()} (in ${row.daysLeft} days)`, RENEW_HINT, row);
    else if (!req.issuer && info.notAfter.getTime() - now.getTime() < CA_WARN_DAYS * DAY)
      problem('CERT_CA_EXPIRING', 'warning', where, path, `the ${req.id} CA expires on ${info.notAfter.toISOString()} (in ${row.daysLeft} days)`, 'plan a CA rotation (docs/pki.md)', row);
  }

  return { certificates: rows, problems };
}

function rowOf(where: string, path: string, req: CertRequest, info: CertInfo, now: Date): CertRow {
  return {
    where,
    path,
    id: req.id,
    name: req.name,
    subject: info.subject,
    issuer: info.issuer,
    serial: info.serial,
    sans: [...info.dnsNames, ...info.ips],
    notAfter: info.notAfter.toISOString(),
    daysLeft: Math.floor((info.notAfter.getTime() - now.getTime()) / DAY),
    problems: [],
  };
}

/** The embedded CA, client certificate and key, and server of a kubeconfig's first cluster and user. */
export function readKubeconfig(text: string): { server: string; ca: string; cert: string; key: string } | undefined {
  try {
    const kc = parse(text) as { clusters?: { cluster?: Record<string, unknown> }[]; users?: { user?: Record<string, unknown> }[] } | null;
    const cluster = kc?.clusters?.[0]?.cluster;
    const user = kc?.users?.[0]?.user;
    const b = (v: unknown): string | undefined => (typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : undefined);
    const server = cluster?.['server'];
    const ca = b(cluster?.['certificate-authority-data']);
    const cert = b(user?.['client-certificate-data']);
    const key = b(user?.['client-key-data']);
    if (typeof server !== 'string' || !ca || !cert || !key) return undefined;
    return { server, ca, cert, key };
  } catch {
    return undefined;
  }
}
