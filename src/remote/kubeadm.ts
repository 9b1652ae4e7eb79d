import { RemoteCommandError } from '../diag/errors.js';
import { tail } from '../diag/output-tail.js';
import type { RemoteHost } from './ssh.js';
import { shellQuote as q } from './ssh.js';

/**
 * Runs `kubeadm init` / `kubeadm join` on a host with the config kubeha rendered there. The config holds the bootstrap
 * token; kubeadm's output goes to a log readable by root only, `init` runs with `--skip-token-print`, and any
 * token-shaped text is masked in what comes back (an error's tail).
 */

export const KUBEADM_LOG_DIR = '/var/log/kubeha';

/** kubeadm's bootstrap-token shape, masked in any output kubeha keeps. */
const TOKEN = /\b[a-z0-9]{6}\.[a-z0-9]{16}\b/g;
export const maskTokens = (text: string): string => text.replace(TOKEN, '<bootstrap-token>');

export function kubeadmCommand(action: 'init' | 'join', config: string): string {
  return action === 'init' ? `kubeadm init --config ${q(config)} --skip-token-print` : `kubeadm join --config ${q(config)}`;
}

export function kubeadmScript(action: 'init' | 'join', config: string): string {
  const log = `${KUBEADM_LOG_DIR}/kubeadm-${action}.log`;
  return [
    `umask 077; mkdir -p ${KUBEADM_LOG_DIR}`,
    `if ${kubeadmCommand(action, config)} > ${q(log)} 2>&1; then echo ok; else rc=$?; tail -n 15 ${q(log)} | sed -E 's/[a-z0-9]{6}\\.[a-z0-9]{16}/<bootstrap-token>/g' >&2; exit $rc; fi`,
  ].join('\n');
}

export async function runKubeadm(host: RemoteHost, action: 'init' | 'join', config: string, timeoutMs: number): Promise<string> {
  const r = await host.exec(kubeadmScript(action, config), { timeoutMs });
  const label = `${kubeadmCommand(action, config)} (log: ${KUBEADM_LOG_DIR}/kubeadm-${action}.log)`;
  if (r.exitCode !== 0) throw new RemoteCommandError(host.name, label, r.exitCode, maskTokens(tail(r.stderr.trim() || r.stdout.trim(), 15)), r.signal);
  return `log ${KUBEADM_LOG_DIR}/kubeadm-${action}.log`;
}
