import { error, warning } from './entry.js';

const PKI_DOC = 'docs/pki.md (what kubeha issues, where, and when it renews)';
const KUBEADM = 'kubeadm\'s certificate layout and lifetimes (cmd/kubeadm/app/phases/certs, v1.37)';
const RENEW = 'run `kubeha certs renew cluster.yaml` (or `kubeha apply`, which re-issues what is due or wrong and restarts what reads it)';

/** Codes of `kubeha certs check`, `kubeha certs renew` and `kubeha kubeconfig`. */
export const PKI_CODES = {
  CERT_MISSING: error('A certificate, key or kubeconfig the spec needs is absent (on a host, or in the state directory)', PKI_DOC, '`kubeha apply cluster.yaml` issues what the state directory lacks and writes every missing file'),
  CERT_UNREADABLE: error('The file is not a PEM certificate (or key, or kubeconfig) kubeha can read', PKI_DOC, `${RENEW}; a hand-edited file is replaced`),
  CERT_MISSING_SAN: error('A certificate lacks a name or address the spec needs: clients that use it fail TLS verification', `${PKI_DOC}; ${KUBEADM} (GetAPIServerAltNames)`, `${RENEW}: the certificate is re-issued with every SAN of the spec`),
  CERT_WRONG_IDENTITY: error('A certificate has another subject (CN/O), CA flag or key usage than the component needs', `${PKI_DOC}; ${KUBEADM}`, RENEW),
  CERT_UNTRUSTED: error('A certificate is not signed by the cluster\'s CA that kubeha holds: the components will refuse it', PKI_DOC, `${RENEW}; if the hosts run another CA on purpose, copy it (ca.crt and ca.key) into <state dir>/pki before renewing`),
  CERT_EXPIRED: error('A certificate has expired', `${PKI_DOC}; ${KUBEADM} (leaves last 1 year, CAs 10)`, RENEW),
  CERT_NOT_YET_VALID: error('A certificate is not valid yet on this clock: the host\'s clock or this machine\'s is wrong', 'RFC 5280 §4.1.2.5 (validity)', 'fix the clocks (chrony/systemd-timesyncd on every host), then check again'),
  CERT_EXPIRING: warning('A certificate expires within the renewal window (90 days)', PKI_DOC, RENEW),
  CERT_CA_EXPIRING: warning('A CA expires within a year: every certificate it signed stops working with it, and no apply renews a CA on its own', `${PKI_DOC}; ${KUBEADM} (CAs last 10 years)`, 'plan a CA rotation: https://kubernetes.io/docs/tasks/tls/manual-rotation-of-ca-certificates/'),
  CERT_KEY_MISMATCH: error('The private key on the host does not belong to the certificate next to it', PKI_DOC, RENEW),
  CERT_KEY_MODE: error('A private key or kubeconfig is readable by others than its owner (mode is not 0600)', PKI_DOC, '`kubeha apply cluster.yaml` restores 0600; meanwhile `chmod 600 FILE`'),
  CERT_DIFFERS: warning('The host\'s file is valid but not the one in kubeha\'s state directory: the next apply replaces it', PKI_DOC, '`kubeha plan cluster.yaml` shows the change; `kubeha apply cluster.yaml` writes it'),
  CERT_HOST_UNREACHABLE: error('A host could not be read over SSH: its certificates were not checked', 'docs/apply.md (how kubeha reaches hosts)', 'see the message; check SSH access (`kubeha plan` says the same)'),
  CERT_KEY_TO_TERMINAL: error('A kubeconfig holds a private key: kubeha does not print it to a terminal', PKI_DOC, 'redirect it (`> admin.conf`, written 0600) or pass -o admin.conf'),
} as const;
