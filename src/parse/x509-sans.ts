import 'reflect-metadata';
import { SubjectAlternativeNameExtension, X509Certificate } from '@peculiar/x509';

/**
 * The one adapter in front of @peculiar/x509 for the parsers: the subject alternative names of a PEM certificate,
 * as plain strings (DNS names and IP addresses). Undefined when the text is not a certificate (never throws).
 */
export function certificateSans(pem: string): { sans: string[]; notAfter?: Date } | undefined {
  try {
    const cert = new X509Certificate(pem);
    const ext = cert.getExtension(SubjectAlternativeNameExtension);
    const sans = ext ? ext.names.items.filter((n) => n.type === 'dns' || n.type === 'ip').map((n) => n.value) : [];
    return { sans, notAfter: cert.notAfter };
  } catch {
    return undefined;
  }
}
