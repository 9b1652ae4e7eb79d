import { RemoteCommandError } from '../diag/errors.js';
import type { RemoteHost } from './ssh.js';
import { tail } from '../diag/output-tail.js';
import { shellQuote as q } from './ssh.js';

/**
 * systemd units on a host. HAProxy's reload is `systemctl reload haproxy`: Debian's unit runs it in master-worker mode
 * (`-Ws`) and its ExecReload sends SIGUSR2 to the master, which starts new workers and lets the old ones finish their
 * established connections (a hitless reload); keepalived's ExecReload (SIGHUP) re-reads the config without dropping the VIP
 * when the instance keeps its priority.
 */

export type ServiceAction = 'enable' | 'start' | 'reload' | 'restart';

export interface ServiceState {
  unit: string;
  /** `active`, `inactive`, `failed`, … (systemctl is-active). */
  active: string;
  /** `enabled`, `disabled`, `masked`, `not-found`, … (systemctl is-enabled). */
  enabled: string;
  /** ActiveEnterTimestampMonotonic: changes on every (re)start; the idempotence test compares it. */
  startedAt: string;
}

/** `noBlock`: queue the job and return (`--no-block`), for a start that completes only once peers are up. */
export function serviceCommand(unit: string, action: ServiceAction, noBlock = false): string {
  switch (action) {
    case 'enable':
      return `systemctl enable ${q(unit)}`;
    case 'start':
      return `systemctl start ${noBlock ? '--no-block ' : ''}${q(unit)}`;
    case 'reload':
      return `systemctl reload ${q(unit)}`;
    case 'restart':
      return `systemctl restart ${q(unit)}`;
  }
}

export async function runServiceAction(host: RemoteHost, unit: string, action: ServiceAction, noBlock = false): Promise<void> {
  const r = await host.exec(serviceCommand(unit, action, noBlock), { timeoutMs: 90_000 });
  if (r.exitCode === 0) return;
  // Put the unit's own last log lines in the error: "Job for x failed" alone says nothing.
  const journal = await host.exec(`journalctl -u ${q(unit)} -n 15 --no-pager -o cat 2>/dev/null || systemctl status ${q(unit)} --no-pager 2>&1 | tail -n 15`, { timeoutMs: 15_000 });
  throw new RemoteCommandError(host.name, serviceCommand(unit, action, noBlock), r.exitCode, tail([r.stderr.trim(), journal.stdout.trim()].filter(Boolean).join('\n'), 25), r.signal);
}

/**
 * Shell command printing one `unit<TAB>active<TAB>enabled<TAB>startedAt` line per unit. One `systemctl show` for all
 * units: `is-enabled` loads every unit file and three systemctl calls per unit cost ~0.19 s of a lab host's CPU, a
 * tenth of a no-op apply. `show` prints one block per unit, in argument order, separated by blank lines; ActiveState is
 * what `is-active` prints, UnitFileState what `is-enabled` prints (empty, and `not-found` here, for a unit that
 * does not exist).
 */
export function serviceStateCommand(units: string[]): string {
  const awk = [
    'BEGIN { RS = ""; FS = "\\n"; split(units, name, " ") }',
    '{ a = ""; e = ""; t = ""; l = ""',
    '  for (i = 1; i <= NF; i++) { k = $i; sub(/=.*/, "", k); v = substr($i, length(k) + 2)',
    '    if (k == "ActiveState") a = v; else if (k == "UnitFileState") e = v; else if (k == "LoadState") l = v; else if (k == "ActiveEnterTimestampMonotonic") t = v }',
    '  if (l == "not-found" || e == "") e = "not-found"',
    '  printf "%s\\t%s\\t%s\\t%s\\n", name[NR], a, e, t }',
  ].join('\n');
  return `systemctl show -p LoadState,ActiveState,UnitFileState,ActiveEnterTimestampMonotonic ${units.map(q).join(' ')} 2>/dev/null | awk -v units=${q(units.join(' '))} ${q(awk)}`;
}

export function parseServiceStates(out: string): ServiceState[] {
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [unit = '', active = '', enabled = '', startedAt = ''] = line.split('\t');
      return { unit, active: active || 'unknown', enabled: enabled || 'not-found', startedAt };
    });
}

/**
 * Loads sysctl files (`sysctl -p`), then checks that every key has the value the file sets: a key the host does not let
 * us write (a container's read-only /proc/sys) is an error naming the key, unless it already has that value.
 */
export async function applySysctl(host: RemoteHost, files: string[]): Promise<void> {
  if (files.length === 0) return;
  const script = [
    'rc=0',
    ...files.map((f) => `sysctl -q -p ${q(f)} 2>/tmp/.kubeha-sysctl.err || rc=1`),
    // Lines `key = value` of our files: compare with the kernel's current values.
    `for f in ${files.map(q).join(' ')}; do grep -E '^[[:space:]]*[a-z0-9_.-]+[[:space:]]*=' "$f" | while IFS='=' read -r k v; do k=$(echo $k); v=$(echo $v); cur=$(echo $(sysctl -n "$k" 2>/dev/null)); [ "$cur" = "$v" ] || echo "$k is '$cur', want '$v'" >&2; done; done 2>/tmp/.kubeha-sysctl.diff`,
    'if [ -s /tmp/.kubeha-sysctl.diff ]; then cat /tmp/.kubeha-sysctl.err /tmp/.kubeha-sysctl.diff >&2; rm -f /tmp/.kubeha-sysctl.*; exit 1; fi',
    'rm -f /tmp/.kubeha-sysctl.*',
  ].join('\n');
  await host.run(script, { label: `sysctl -p ${files.join(' ')}` });
}
