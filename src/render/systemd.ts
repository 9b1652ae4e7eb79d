import type { ClusterSpec, Host } from '../cluster-spec/types.js';
import { HAPROXY_DOWN_FILE } from './check-scripts.js';
import { header } from './util.js';

export const HAPROXY_DROPIN = '/etc/systemd/system/haproxy.service.d/kubeha.conf';
export const KEEPALIVED_DROPIN = '/etc/systemd/system/keepalived.service.d/kubeha.conf';

/** haproxy.service drop-in: restart forever, and (tracker `file`) tell keepalived at once when HAProxy starts or stops. */
export function renderHaproxyDropin(spec: ClusterSpec, host: Host): string {
  const tracker = spec.loadBalancer.haproxyTracker ?? 'file';
  const lines = [
    header(spec, host.name),
    '[Unit]',
    '# Never give up restarting HAProxy (the default start limit stops after 5 starts in 10 s).',
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    '# Restart HAProxy whatever way it died (Debian already sets this; kept explicit because keepalived relies on it).',
    'Restart=always',
    '# One second between restarts: quick, without spinning on a broken config.',
    'RestartSec=1s',
  ];
  if (tracker === 'file')
    lines.push(
      `# keepalived watches ${HAPROXY_DOWN_FILE} (track_file haproxy_down) with inotify: 0 once HAProxy is ready`,
      '# (Type=notify: after its ports are bound), 1 as soon as it stopped, crashed, was killed or failed to start.',
      '# The "-" prefix: HAProxy keeps serving even if the state file cannot be written.',
      `ExecStartPost=-/bin/sh -c 'echo 0 > ${HAPROXY_DOWN_FILE}'`,
      `ExecStopPost=-/bin/sh -c 'echo 1 > ${HAPROXY_DOWN_FILE}'`,
    );
  return lines.join('\n') + '\n';
}

/** Writes HAProxy's current systemd state (0 active, 1 otherwise) into the track_file. */
const SYNC_STATE = `/bin/sh -c 'if systemctl is-active --quiet haproxy.service; then echo 0; else echo 1; fi > ${HAPROXY_DOWN_FILE}'`;

/** keepalived.service drop-in: start after HAProxy, restart forever; (tracker `file`) state file synced before every (re)load. */
export function renderKeepalivedDropin(spec: ClusterSpec, host: Host): string {
  const tracker = spec.loadBalancer.haproxyTracker ?? 'file';
  const sync =
    tracker === 'file'
      ? [
          `# Before keepalived reads ${HAPROXY_DOWN_FILE}, write HAProxy's real state into it: otherwise the first start`,
          '# after installing kubeha (HAProxy already running, file absent) would read init_file 1 and put every LB in FAULT.',
          `ExecStartPre=-${SYNC_STATE}`,
          '# Same before a reload (SIGHUP re-reads the config): clear the unit\'s ExecReload, sync, then signal.',
          'ExecReload=',
          `ExecReload=-${SYNC_STATE}`,
          'ExecReload=/bin/kill -HUP $MAINPID',
        ]
      : [];
  return [
    header(spec, host.name),
    '[Unit]',
    "# Start after HAProxy, so keepalived's first view of it is accurate. No Requires=: keepalived must keep",
    '# running (in FAULT) while HAProxy is down, so that the VIP moves to a healthy peer.',
    'After=haproxy.service',
    '# Never give up restarting keepalived.',
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    '# A keepalived that died leaves the VIP on the interface while a peer takes it: restart it so it cleans up.',
    'Restart=always',
    'RestartSec=1s',
    ...sync,
    '',
  ].join('\n');
}
