import { RemoteCommandError } from '../diag/errors.js';
import { tail } from '../diag/output-tail.js';
import type { HealthCheck } from '../apply/types.js';
import { PKI_PATHS } from '../pki/paths.js';
import type { RemoteHost } from './ssh.js';
import { shellQuote as q } from './ssh.js';

/**
 * Health checks run ON a host, polled until they pass or a deadline (the `wait` steps of apply's control-plane phases).
 * etcd is asked with its own etcdctl over TLS (kubeadm's layout: the etcd CA and the health-check client certificate);
 * the apiservers' /readyz and the controllers' /healthz are anonymous endpoints, read with curl.
 */

export const ETCD_PKI = { ca: PKI_PATHS.etcdCa.cert, cert: PKI_PATHS.etcdHealthcheckClient.cert, key: PKI_PATHS.etcdHealthcheckClient.key };
/** The local member's client URL (etcd listens for clients on its own address and 127.0.0.1). */
export const ETCD_LOCAL_ENDPOINT = 'https://127.0.0.1:2379';

/** One try of the check: exits 0 when it passes, prints what it saw. */
export function healthProbe(check: HealthCheck): string {
  if (check.type === 'etcd') {
    return [
      '/usr/local/bin/etcdctl',
      `--endpoints=${ETCD_LOCAL_ENDPOINT}`,
      `--cacert=${ETCD_PKI.ca} --cert=${ETCD_PKI.cert} --key=${ETCD_PKI.key}`,
      '--dial-timeout=3s --command-timeout=5s endpoint health',
      ...(check.scope === 'cluster' ? ['--cluster'] : []),
      '2>&1',
    ].join(' ');
  }
  // -k: the CA is not needed to know whether the component answers; curl prints the body (`ok`).
  return check.urls.map((u) => `r=$(curl -sk --max-time 5 ${q(u)} 2>&1); [ "$r" = ok ] || { echo "${u.replace(/[`"$\\]/g, '')}: \${r:-no answer}"; false; }`).join(' && ');
}

/** The poll loop: every second until the probe passes or `timeoutMs` ran out (then the last output and the units' logs). */
export function healthWaitScript(check: HealthCheck, timeoutMs: number, units: readonly string[] = []): string {
  const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
  return [
    `end=$(( $(date +%s) + ${seconds} ))`,
    `while :; do out=$( ${healthProbe(check)} ) && break`,
    `  if [ "$(date +%s)" -ge "$end" ]; then printf '%s\\n' "$out" >&2; ${units.map((u) => `journalctl -u ${q(u)} -n 8 --no-pager -o cat >&2 2>/dev/null;`).join(' ')} exit 1; fi`,
    '  sleep 1',
    'done',
    'printf "%s\\n" "$out"',
  ].join('\n');
}

export async function waitHealthy(host: RemoteHost, check: HealthCheck, timeoutMs: number, units: readonly string[] = []): Promise<string> {
  const label = check.type === 'etcd' ? `etcdctl endpoint health${check.scope === 'cluster' ? ' --cluster' : ''} (until healthy, ${Math.round(timeoutMs / 1000)} s)` : `curl -sk ${check.urls.join(' ')} (until ok, ${Math.round(timeoutMs / 1000)} s)`;
  const r = await host.exec(healthWaitScript(check, timeoutMs, units), { timeoutMs: timeoutMs + 30_000 });
  if (r.exitCode !== 0) throw new RemoteCommandError(host.name, label, r.exitCode, tail(r.stderr.trim() || r.stdout.trim(), 25), r.signal, false);
  const healthy = (r.stdout.match(/is healthy/g) ?? []).length;
  return check.type === 'etcd' ? `${healthy} member(s) healthy` : `${check.urls.length} ok`;
}
