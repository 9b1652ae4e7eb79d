import { createRequire } from 'node:module';

type X509Module = typeof import('@peculiar/x509');

/**
 * The one adapter in front of @peculiar/x509 for the parsers. The library takes ~0.4 s to load, so it is loaded
 * on first use (through its CommonJS build), not by every command that imports the mirror loader.
 */
let x509: X509Module | undefined;
function lib(): X509Module {
  if (!x509) {
    const require = createRequire(import.meta.url);
    require('reflect-metadata');
    x509 = require('@peculiar/x509') as X509Module;
  }
  return x509;
}

/** The subject alternative names of a PEM certificate (DNS names and IP addresses); undefined when it is not one. */
export function certificateSans(pem: string): { sans: string[]; notAfter?: Date } | undefined {
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) return undefined;
  try {
    const { X509Certificate, SubjectAlternativeNameExtension } = lib();
    const cert = new X509Certificate(pem);
    const ext = cert.getExtension(SubjectAlternativeNameExtension);
    const sans = ext ? ext.names.items.filter((n) => n.type === 'dns' || n.type === 'ip').map((n) => n.value) : [];
    return { sans, notAfter: cert.notAfter };
  } catch {
    return undefined;
  }
}
