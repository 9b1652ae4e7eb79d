import type { ClusterSpec } from '../cluster-spec/types.js';
import { RENEW_BEFORE_DAYS, controlPlaneHosts, planPki } from './plan.js';
import type { CaId, CertAndKey, Crypto, CryptoKey, CertRequest, IssueOptions, IssueResult, Issued, StoredPki } from './types.js';
import { publicKeyPemOf, createCa, createLeaf, generateKeyPair, importPrivateKey, privateKeyPem, publicFingerprint, publicKeyPem, readCert, signedBy } from './x509.js';
import type { CertInfo, Signer } from './x509.js';

const DAY = 86_400_000;

/**
 * Why a stored certificate no longer satisfies its request (undefined: it does, keep it). The checks of the reuse
 * decision and of `certs check` are the same: subject, CA or not, usages, every SAN the request names (extra SANs
 * are kept: removing a host must not churn every certificate), signed by the current CA, not expired, and not due.
 */
export function unmet(req: CertRequest, info: CertInfo, ca: CertInfo | undefined, signed: boolean, now: Date, renewBeforeDays = RENEW_BEFORE_DAYS): string | undefined {
  if (info.commonName !== req.commonName) return `subject CN is "${info.commonName}", want "${req.commonName}"`;
  if (info.organization.join(',') !== req.organization.join(',')) return `subject O is "${info.organization.join(',')}", want "${req.organization.join(',')}"`;
  if (info.isCa !== (req.issuer === undefined)) return req.issuer === undefined ? 'not a CA certificate' : 'a CA certificate where a leaf belongs';
  const missingUsage = req.usages.filter((u) => !info.usages.includes(u));
  if (missingUsage.length > 0) return `lacks extended key usage ${missingUsage.join(', ')}`;
  const missing = missingSans(req, info);
  if (missing.length > 0) return `lacks SAN ${missing.join(', ')}`;
  if (req.issuer !== undefined) {
    if (!ca) return `its CA ${req.issuer} is missing`;
    if (!signed) return `not signed by the current ${req.issuer}`;
  }
  if (info.notAfter.getTime() <= now.getTime()) return `expired on ${info.notAfter.toISOString()}`;
  if (req.issuer !== undefined && isDue(info, ca, now, renewBeforeDays)) return `expires on ${info.notAfter.toISOString()}, within ${renewBeforeDays} days`;
  return undefined;
}

/** The SANs the request names that the certificate lacks (DNS names compared without case, IPs as written). */
export function missingSans(req: CertRequest, info: Pick<CertInfo, 'dnsNames' | 'ips'>): string[] {
  const dns = new Set(info.dnsNames.map((d) => d.toLowerCase()));
  const ips = new Set(info.ips.map(normIp));
  return [...req.dnsNames.filter((d) => !dns.has(d.toLowerCase())), ...req.ips.filter((i) => !ips.has(normIp(i)))];
}

function normIp(ip: string): string {
  return ip.includes(':') ? ip.toLowerCase().replace(/(^|:)0+([0-9a-f])/g, '$1$2') : ip;
}

/**
 * A leaf is due when it expires within the window, unless it already ends with its CA (renewing would not extend it:
 * that is the CA's renewal, which `certs check` reports and no apply does on its own).
 */
export function isDue(info: Pick<CertInfo, 'notAfter'>, ca: Pick<CertInfo, 'notAfter'> | undefined, now: Date, renewBeforeDays = RENEW_BEFORE_DAYS): boolean {
  if (info.notAfter.getTime() - now.getTime() > renewBeforeDays * DAY) return false;
  return !ca || info.notAfter.getTime() < ca.notAfter.getTime();
}

interface Loaded {
  info: CertInfo;
  key: CryptoKey;
}

/** A stored pair, when its certificate parses and its key is the certificate's. */
async function loadPair(crypto: Crypto, pair: CertAndKey | undefined): Promise<Loaded | undefined> {
  if (!pair) return undefined;
  const info = await readCert(crypto, pair.cert);
  const key = await importPrivateKey(crypto, pair.key);
  if (!info || !key) return undefined;
  if ((await publicFingerprint(crypto, key)) !== (await publicFingerprint(crypto, info.publicKey))) return undefined;
  return { info, key };
}

/**
 * The PKI the spec needs, reusing everything stored that still satisfies it: every CA and the service-account key
 * pair are kept as long as they load (a CA is never replaced behind the user's back: that would invalidate every
 * credential handed out); a leaf is re-issued, with a new key, only when it is missing, no longer satisfies its
 * request (see {@link unmet}), or `renew: 'all'`. A CA that is re-created (its files were lost) re-issues its leaves.
 * Certificates stored for hosts the spec no longer has are dropped.
 */
export async function issuePki(spec: ClusterSpec, existing: StoredPki | undefined, now: Date, options: IssueOptions = {}): Promise<IssueResult> {
  const crypto = options.crypto ?? globalThis.crypto;
  const algorithm = options.algorithm ?? 'ECDSA-P256';
  const window = options.renewBeforeDays ?? RENEW_BEFORE_DAYS;
  const requests = planPki(spec);
  const certs: Record<string, CertAndKey> = {};
  const issued: Issued[] = [];
  const cas = new Map<CaId, Signer & { info: CertInfo }>();

  for (const req of requests.filter((r) => r.issuer === undefined)) {
    const old = existing?.certs[req.id];
    const loaded = await loadPair(crypto, old);
    if (loaded && old) {
      certs[req.id] = old;
      cas.set(req.id as CaId, { cert: loaded.info.raw, key: loaded.key, info: loaded.info });
      continue;
    }
    const keys = await generateKeyPair(crypto, algorithm);
    const cert = await createCa(crypto, req, keys, now);
    certs[req.id] = { cert, key: await privateKeyPem(crypto, keys.privateKey) };
    const info = (await readCert(crypto, cert))!;
    cas.set(req.id as CaId, { cert: info.raw, key: keys.privateKey, info });
    issued.push({ id: req.id, reason: old ? 'the stored CA does not load or its key does not match' : 'new CA' });
  }

  for (const req of requests.filter((r) => r.issuer !== undefined)) {
    const ca = cas.get(req.issuer!)!;
    const old = existing?.certs[req.id];
    const loaded = await loadPair(crypto, old);
    let reason: string | undefined;
    if (!old) reason = 'new';
    else if (!loaded) reason = 'the stored certificate does not load or its key does not match';
    else if (options.renew === 'all') reason = 'renewal of every certificate requested';
    else reason = unmet(req, loaded.info, ca.info, await signedBy(crypto, loaded.info, ca.info), now, window);
    if (reason === undefined && old) {
      certs[req.id] = old;
      continue;
    }
    const keys = await generateKeyPair(crypto, algorithm);
    const cert = await createLeaf(crypto, req, keys.publicKey, ca, now);
    certs[req.id] = { cert, key: await privateKeyPem(crypto, keys.privateKey) };
    issued.push({ id: req.id, reason: reason ?? 'new' });
  }

  const pki: StoredPki = { certs };
  if (controlPlaneHosts(spec).length > 0) {
    const sa = existing?.serviceAccount;
    const saKey = sa ? await importPrivateKey(crypto, sa.key) : undefined;
    // The public half is derived from the private key every time: the pair cannot disagree.
    if (sa && saKey) pki.serviceAccount = { key: sa.key, pub: await publicKeyPemOf(crypto, saKey) };
    else {
      const keys = await generateKeyPair(crypto, algorithm);
      pki.serviceAccount = { key: await privateKeyPem(crypto, keys.privateKey), pub: await publicKeyPem(crypto, keys.publicKey) };
      issued.push({ id: 'sa', reason: sa ? 'the stored service-account key does not load' : 'new service-account key pair' });
    }
  }
  return { pki, issued };
}
