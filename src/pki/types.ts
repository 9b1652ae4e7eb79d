import type { webcrypto } from 'node:crypto';

/** WebCrypto's types (node's, which are the standard ones; the DOM library is not loaded). */
export type Crypto = webcrypto.Crypto;
export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** The cluster's PKI as values: what the spec needs (requests) and what kubeha holds (stored PEM). */

/** The three CAs, by their storage id (also their path under the PKI directory, without .crt/.key). */
export type CaId = 'ca' | 'etcd/ca' | 'front-proxy-ca';

export type ExtUsage = 'serverAuth' | 'clientAuth';

/** One certificate the spec needs: a CA, or a leaf signed by one of the CAs. */
export interface CertRequest {
  /**
   * Storage id, also its path under the state directory's `pki/` (without .crt/.key): `ca`, `etcd/ca`,
   * `front-proxy-ca`, `users/admin`, `users/super-admin`, `hosts/<host>/apiserver`, `hosts/<host>/etcd/server`, …
   */
  id: string;
  /** kubeadm's name of the certificate (`apiserver`, `etcd-server`, `admin.conf`, …), as `kubeadm certs` lists them. */
  name: string;
  /** Leaves issued for one host (its own names and address in the SANs); absent for CAs and user certificates. */
  host?: string;
  /** The CA that signs it; absent for a CA (self-signed). */
  issuer?: CaId;
  commonName: string;
  organization: string[];
  dnsNames: string[];
  ips: string[];
  usages: ExtUsage[];
  /** Days from issue to notAfter (a leaf never outlives its CA). */
  validityDays: number;
}

/** A certificate and its private key, PEM (the key as PKCS#8 `PRIVATE KEY`). */
export interface CertAndKey {
  cert: string;
  key: string;
}

/** Everything kubeha issued for a cluster, as kept in `<state dir>/pki/`. */
export interface StoredPki {
  /** By request id. */
  certs: Record<string, CertAndKey>;
  /** The service-account signing key pair (PKCS#8 private key, SPKI public key); no certificate. */
  serviceAccount?: { key: string; pub: string };
}

/** Key algorithm of every key kubeha generates (kubeadm's `encryptionAlgorithm` values). */
export type KeyAlgorithm = 'ECDSA-P256' | 'RSA-2048';

export interface IssueOptions {
  /** WebCrypto used for keys, serial numbers and signatures. @default globalThis.crypto */
  crypto?: Crypto;
  /** @default 'ECDSA-P256' (fast to generate, accepted by every component; kubeadm's RSA-2048 on request) */
  algorithm?: KeyAlgorithm;
  /** Re-issue a leaf whose notAfter is closer than this. @default RENEW_BEFORE_DAYS */
  renewBeforeDays?: number;
  /** 'all': re-issue every leaf (not the CAs, not the service-account key), e.g. after a key leaked. @default 'due' */
  renew?: 'due' | 'all';
}

/** Why a certificate was (re-)issued. */
export interface Issued {
  id: string;
  reason: string;
}

export interface IssueResult {
  pki: StoredPki;
  /** What changed; empty when everything stored still satisfies the spec (a second apply changes nothing). */
  issued: Issued[];
}
