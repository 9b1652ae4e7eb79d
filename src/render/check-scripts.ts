import type { ClusterSpec, Host } from '../cluster-spec/types.js';
import { header } from './util.js';

/** keepalived's HAProxy probe; root-owned 0755 in a root-owned directory, as enable_script_security requires. */
export const CHECK_HAPROXY_SCRIPT = '/etc/keepalived/kubeha-check-haproxy.sh';
/**
 * State file for `track_file`: systemd writes 0 when HAProxy is up and 1 when it stopped (haproxy.service drop-in),
 * keepalived reads it on every change (inotify).
 */
export const HAPROXY_DOWN_FILE = '/run/kubeha-haproxy-down';

/**
 * The vrrp_script probe: exits 0 when HAProxy accepts a TCP connection on its loopback frontend.
 * It catches what a process tracker cannot see: a HAProxy that runs but does not accept (hung, port not bound).
 */
export function renderCheckHaproxyScript(spec: ClusterSpec, host: Host): string {
  return [
    '#!/bin/bash',
    header(spec, host.name),
    '# keepalived (vrrp_script chk_haproxy_port) runs this every second: exit 0 when HAProxy',
    '# accepts a TCP connection on its loopback frontend, non-zero otherwise. bash opens /dev/tcp itself:',
    '# no nc, no killall/psmisc, and a hung HAProxy fails it too (keepalived kills it after `timeout`).',
    `exec 3<>/dev/tcp/127.0.0.1/${spec.loadBalancer.port}`,
    '',
  ].join('\n');
}
