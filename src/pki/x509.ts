import { createRequire } from 'node:module';
import type { webcrypto } from 'node:crypto';
import type { CertRequest, Crypto, CryptoKey, CryptoKeyPair, ExtUsage, KeyAlgorithm } from './types.js';

type X509Module = typeof import('@peculiar/x509');

/**
 * The PKI's adapter in front of @peculiar/x509 and WebCrypto: key pairs, PEM, signing, and reading a certificate back
 * into plain values. The library takes ~0.4 s to load, so it is loaded on first use (through its CommonJS build).
 */
let x509: X509Module | undefined;
export function lib(): X509Module {
  if (!x509) {
    const require = createRequire(import.meta.url);
    require('reflect-metadata');
    x509 = require('@peculiar/x509') as X509Module;
  }
  return x509;
}

const EKU: Record<ExtUsage, string> = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2' };
const EKU_NAME = new Map(Object.entries(EKU).map(([k, v]) => [v, k as ExtUsage]));

function keyParams(algorithm: KeyAlgorithm): webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams {
  return algorithm === 'RSA-2048'
    ? { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
    : { name: 'ECDSA', namedCurve: 'P-256' };
}

function signing(key: CryptoKey): webcrypto.Algorithm | webcrypto.EcdsaParams {
  return key.algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5' };
}

export async function generateKeyPair(crypto: Crypto, algorithm: KeyAlgorithm): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(keyParams(algorithm), true, ['sign', 'verify']));
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;
}

function derOf(text: string, label: string): Buffer | undefined {
  const m = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(text);
  return m ? Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64') : undefined;
}

export async function privateKeyPem(crypto: Crypto, key: CryptoKey): Promise<string> {
  return pem('PRIVATE KEY', await crypto.subtle.exportKey('pkcs8', key));
}

export async function publicKeyPem(crypto: Crypto, key: CryptoKey): Promise<string> {
  return pem('PUBLIC KEY', await crypto.subtle.exportKey('spki', key));
}

/** A PKCS#8 private key (ECDSA P-256 or RSA) for signing; undefined when the text is no such key. */
export async function importPrivateKey(crypto: Crypto, text: string): Promise<CryptoKey | undefined> {
  const der = derOf(text, 'PRIVATE KEY');
  if (!der) return undefined;
  for (const alg of [keyParams('ECDSA-P256'), keyParams('RSA-2048')]) {
    try {
      return await crypto.subtle.importKey('pkcs8', der, alg.name === 'ECDSA' ? alg : { name: alg.name, hash: 'SHA-256' }, true, ['sign']);
    } catch {
      // the other algorithm
    }
  }
  return undefined;
}

/** The public half of a private key, as comparable text (JWK members without the private ones). */
export async function publicFingerprint(crypto: Crypto, key: CryptoKey): Promise<string> {
  const jwk = await crypto.subtle.exportKey('jwk', key);
  return JSON.stringify([jwk.kty, jwk.crv, jwk.x, jwk.y, jwk.n, jwk.e]);
}

/** The SPKI public key of a private key (its JWK without the private members). */
export async function publicKeyPemOf(crypto: Crypto, key: CryptoKey): Promise<string> {
  const jwk = await crypto.subtle.exportKey('jwk', key);
  const pub: webcrypto.JsonWebKey = { kty: jwk.kty, ...(jwk.kty === 'EC' ? { crv: jwk.crv, x: jwk.x, y: jwk.y } : { n: jwk.n, e: jwk.e }) };
  const alg = key.algorithm.name === 'ECDSA' ? { name: 'ECDSA', namedCurve: 'P-256' } : { name: key.algorithm.name, hash: 'SHA-256' };
  return publicKeyPem(crypto, await crypto.subtle.importKey('jwk', pub, alg, true, ['verify']));
}

/** A positive serial number of 63 random bits, as kubeadm draws it. */
function serial(crypto: Crypto): string {
  const b = crypto.getRandomValues(new Uint8Array(8));
  b[0] = (b[0]! & 0x7f) | 0x01;
  return Buffer.from(b).toString('hex');
}

function subjectOf(req: Pick<CertRequest, 'commonName' | 'organization'>): import('@peculiar/x509').JsonName {
  return [...req.organization.map((o) => ({ O: [o] })), { CN: [req.commonName] }];
}

const DAY = 86_400_000;
/** notBefore is backdated (kubeadm: CertificateBackdate) so that a host whose clock lags a little accepts it. */
export const BACKDATE_MS = 5 * 60_000;

export interface Signer {
  cert: import('@peculiar/x509').X509Certificate;
  key: CryptoKey;
}

/** A self-signed CA certificate for `req`. */
export async function createCa(crypto: Crypto, req: CertRequest, keys: CryptoKeyPair, now: Date): Promise<string> {
  const x = lib();
  const cert = await x.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(crypto),
      name: subjectOf(req),
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(now.getTime() + req.validityDays * DAY),
      keys,
      signingAlgorithm: signing(keys.privateKey),
      extensions: [
        new x.BasicConstraintsExtension(true, undefined, true),
        new x.KeyUsagesExtension(x.KeyUsageFlags.digitalSignature | x.KeyUsageFlags.keyEncipherment | x.KeyUsageFlags.keyCertSign, true),
        await x.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return cert.toString('pem') + '\n';
}

/** A leaf certificate for `req`, signed by `ca`; it never outlives the CA. */
export async function createLeaf(crypto: Crypto, req: CertRequest, publicKey: CryptoKey, ca: Signer, now: Date): Promise<string> {
  const x = lib();
  const notAfter = Math.min(now.getTime() + req.validityDays * DAY, ca.cert.notAfter.getTime());
  const names = [...req.dnsNames.map((value) => ({ type: 'dns' as const, value })), ...req.ips.map((value) => ({ type: 'ip' as const, value }))];
  const rsa = publicKey.algorithm.name !== 'ECDSA';
  const cert = await x.X509CertificateGenerator.create(
    {
      serialNumber: serial(crypto),
      subject: subjectOf(req),
      issuer: ca.cert.subjectName,
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(notAfter),
      publicKey,
      signingKey: ca.key,
      signingAlgorithm: signing(ca.key),
      extensions: [
        new x.BasicConstraintsExtension(false, undefined, true),
        // keyEncipherment only means something for RSA keys (TLS RSA key exchange).
        new x.KeyUsagesExtension(x.KeyUsageFlags.digitalSignature | (rsa ? x.KeyUsageFlags.keyEncipherment : 0), true),
        new x.ExtendedKeyUsageExtension(req.usages.map((u) => EKU[u])),
        await x.AuthorityKeyIdentifierExtension.create(ca.cert.publicKey, false, crypto),
        ...(names.length > 0 ? [new x.SubjectAlternativeNameExtension(names)] : []),
      ],
    },
    crypto,
  );
  return cert.toString('pem') + '\n';
}

/** A certificate as plain values: what `certs check` prints and what the reuse check compares. */
export interface CertInfo {
  subject: string;
  commonName: string;
  organization: string[];
  issuer: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  dnsNames: string[];
  ips: string[];
  usages: ExtUsage[];
  /** The public key, comparable with {@link publicFingerprint} of the private key. */
  publicKey: CryptoKey;
  raw: import('@peculiar/x509').X509Certificate;
}

/** Reads a PEM certificate (the first one of the text); undefined when it is none. */
export async function readCert(crypto: Crypto, text: string): Promise<CertInfo | undefined> {
  const der = derOf(text, 'CERTIFICATE');
  if (!der) return undefined;
  try {
    const x = lib();
    const cert = new x.X509Certificate(der);
    const san = cert.getExtension(x.SubjectAlternativeNameExtension);
    const items = san ? san.names.items : [];
    const eku = cert.getExtension(x.ExtendedKeyUsageExtension);
    const bc = cert.getExtension(x.BasicConstraintsExtension);
    // The library types it with the DOM's CryptoKey, which this build does not load: it is node's.
    const publicKey: unknown = await cert.publicKey.export(crypto);
    return {
      subject: cert.subject,
      commonName: cert.subjectName.getField('CN')[0] ?? '',
      organization: cert.subjectName.getField('O'),
      issuer: cert.issuer,
      serial: cert.serialNumber,
      notBefore: cert.notBefore,
      notAfter: cert.notAfter,
      isCa: bc?.ca === true,
      dnsNames: items.filter((n) => n.type === 'dns').map((n) => n.value),
      ips: items.filter((n) => n.type === 'ip').map((n) => n.value),
      usages: (eku?.usages ?? []).map((u) => EKU_NAME.get(String(u))).filter((u): u is ExtUsage => u !== undefined),
      publicKey: publicKey as CryptoKey,
      raw: cert,
    };
  } catch {
    return undefined;
  }
}

/** Whether `cert` was signed by the key of `ca` (signature only; dates are checked by the caller). */
export async function signedBy(crypto: Crypto, cert: CertInfo, ca: CertInfo): Promise<boolean> {
  if (cert.issuer !== ca.subject) return false;
  try {
    return await cert.raw.verify({ publicKey: ca.raw.publicKey, signatureOnly: true }, crypto);
  } catch {
    return false;
  }
}
