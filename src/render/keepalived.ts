import type { ClusterSpec, Host, LoadBalancer, Secrets } from '../cluster-spec/types.js';
import { CHECK_HAPROXY_SCRIPT, HAPROXY_DOWN_FILE } from './check-scripts.js';
import { block, fmtNumber, header, token } from './util.js';

export const KEEPALIVED_CONF = '/etc/keepalived/keepalived.conf';
/** The same base priority on every LB node (see the comment rendered above `priority`). */
export const BASE_PRIORITY = 100;
/** Subtracted while the port probe fails: larger than any gap between base priorities (0: they are equal). */
export const PORT_CHECK_WEIGHT = -50;
/**
 * Runs the check script. Not an unprivileged user: keepalived 2.2.7 (Debian 12) kills itself with SIGTERM in
 * `keepalived -t` when a script runs as a user other than its own (lib/notify.c; fixed in 2.2.8, commit aae8e910),
 * and kubeha validates every config with `keepalived -t` before installing it.
 */
export const SCRIPT_USER = 'root';
/**
 * Realtime (SCHED_RR) priority of keepalived's VRRP process (keepalived.conf(5) `vrrp_rt_priority <1..99>`): with
 * 0.05 s adverts a host whose CPUs are saturated would otherwise send them late and its peer would take the VIP.
 * 50 is the middle of the range (threaded IRQs run at 50 too); keepalived's RLIMIT_RTTIME (`vrrp_rlimit_rttime`)
 * keeps a runaway loop from starving the host.
 */
export const VRRP_RT_PRIORITY = 50;
/**
 * RLIMIT_RTTIME of the VRRP process, in µs (keepalived.conf(5) `vrrp_rlimit_rttime`, default 10 000): the CPU time it
 * may use without a blocking call before the kernel kills it. At the default, on a loaded 2-core VM (load ~20) the
 * VRRP child was killed ("exited due to signal 9 (Killed) - has rlimit_rttime been exceeded?"), respawned and dropped
 * the VIP meanwhile (test/render/failover.test.ts, 2 of ~8 runs); at 100 ms, 0 of 6 at load 13–18. A VRRP process that
 * cannot block within 100 ms misses its 50 ms adverts anyway.
 */
export const VRRP_RLIMIT_RTTIME_US = 100_000;
/**
 * Seconds between gratuitous ARPs while MASTER (keepalived.conf(5) `vrrp_garp_master_refresh`, default 0: never).
 * Heals a split brain: after a partition both LBs were MASTER, and clients that learnt the loser's MAC keep it until
 * their ARP entry expires (measured: 44.5 s); the winner re-announces the VIP within this time.
 */
export const GARP_MASTER_REFRESH_S = 10;
/** VRRP PASS authentication carries at most 8 characters (keepalived.conf(5): "Only the first eight (8) characters are used"). */
export const MAX_AUTH_PASS = 8;

export function instanceName(spec: ClusterSpec): string {
  return `${spec.name}-apiserver`;
}

type Tracker = NonNullable<LoadBalancer['haproxyTracker']>;

/**
 * /etc/keepalived/keepalived.conf for one LB host: one VRRP instance holding the VIP, all nodes BACKUP with equal
 * priorities, unicast to the other LB hosts, HAProxy's death tracked by an event (track_file or track_process → FAULT)
 * plus a polling port probe (negative weight).
 * @throws Error when VRRPv2 is used and the auth secret is missing or longer than 8 characters (a bug in the caller:
 *   the shell's loadOrCreateSecrets provides it).
 */
export function renderKeepalivedConf(spec: ClusterSpec, host: Host, peers: Host[], secrets: Secrets): string {
  const lb = spec.loadBalancer;
  const tracker = lb.haproxyTracker ?? 'file';
  const auth = renderAuthentication(lb, secrets);
  return [
    header(spec, host.name),
    `# keepalived holds the control-plane VIP ${lb.vip} on one of the LB hosts of cluster "${spec.name}".`,
    ...renderGlobalDefs(host),
    '',
    ...renderEventTracker(tracker),
    '',
    ...renderPortScript(),
    '',
    `vrrp_instance ${token(instanceName(spec), 'the cluster name', 'keepalived')} {`,
    renderInstanceBody(lb, host, peers, tracker, auth),
    '}',
    '',
  ].join('\n');
}

/** The instance's `authentication` block: VRRPv2 PASS with the cluster's secret; none for VRRPv3. */
function renderAuthentication(lb: LoadBalancer, secrets: Secrets): string[] {
  if (lb.vrrpVersion !== 2) return [];
  const pass = secrets[lb.authSecret];
  if (pass === undefined) throw new Error(`secret "${lb.authSecret}" (VRRP auth) is missing`);
  if (pass.length === 0 || pass.length > MAX_AUTH_PASS || !/^[\x21-\x7e]+$/.test(pass) || pass.includes('"'))
    throw new Error(`secret "${lb.authSecret}" must be 1-${MAX_AUTH_PASS} printable characters without spaces or quotes`);
  return [
    `# VRRPv2 PASS authentication: a per-cluster random secret (state dir, mode 0600), at most ${MAX_AUTH_PASS} characters are used.`,
    '# It keeps a stray node with the same virtual_router_id from joining; it is not cryptographic (sent in clear).',
    'authentication {',
    '    auth_type PASS',
    `    auth_pass ${pass}`,
    '}',
  ];
}

function renderGlobalDefs(host: Host): string[] {
  return [
    'global_defs {',
    block('    ', [
      "# Names this node in keepalived's logs.",
      `router_id ${token(host.name, 'a host name', 'keepalived')}`,
      '# Scripts run as root: keepalived 2.2.7 `-t` (config check) kills itself when they run as another user (fixed in 2.2.8).',
      '# The only script is a root-owned TCP probe of 127.0.0.1; enable_script_security below guards its path.',
      `script_user ${SCRIPT_USER}`,
      '# Refuse to run a script that a non-root user could modify (root-owned file and directories only).',
      'enable_script_security',
      `# Realtime scheduling (SCHED_RR ${VRRP_RT_PRIORITY}) for the VRRP process: adverts leave on time when the host's CPUs are`,
      '# saturated, so a busy master is not taken for dead (a late advert would move the VIP).',
      `vrrp_rt_priority ${VRRP_RT_PRIORITY}`,
      `# The kernel kills a realtime process that runs ${VRRP_RLIMIT_RTTIME_US / 1000} ms of CPU without blocking (keepalived's default, 10 ms, is hit on a`,
      '# loaded VM: the VRRP process is killed, respawned, and drops the VIP meanwhile).',
      `vrrp_rlimit_rttime ${VRRP_RLIMIT_RTTIME_US}`,
      `# Re-announce the VIP (gratuitous ARP) every ${GARP_MASTER_REFRESH_S} s while MASTER: after a healed split brain, clients that`,
      "# learnt the other LB's MAC are corrected within this time instead of when their ARP entry expires.",
      `vrrp_garp_master_refresh ${GARP_MASTER_REFRESH_S}`,
    ]),
    '}',
  ];
}

/** The tracker that sees HAProxy die at once: a state file written by systemd, or the process itself. */
function renderEventTracker(tracker: Tracker): string[] {
  return tracker === 'file'
    ? [
        `# HAProxy's state as systemd sees it (haproxy.service drop-in writes 0 when ready, 1 when stopped or dead).`,
        '# keepalived watches the file with inotify: the death is seen at once, no polling interval.',
        'track_file haproxy_down {',
        block('    ', [
          `file "${HAPROXY_DOWN_FILE}"`,
          '# weight 0: a non-zero value puts the instance in FAULT (reasons at track_file in the instance below).',
          'weight 0',
          '# Until HAProxy has started and written 0, assume it is down.',
          'init_file 1',
        ]),
        '}',
      ]
    : [
        '# HAProxy processes, watched through the kernel process-events connector: a death is seen at once, no polling.',
        '# Needs the initial network namespace (in a container keepalived logs "Failed to set/clear process event listen"',
        '# and the instance stays in FAULT): use haproxyTracker: file there.',
        'vrrp_track_process haproxy_running {',
        block('    ', [
          '# Exact match on the process name (master and workers are all "haproxy").',
          'process haproxy',
          '# One process is enough: the master exits when a worker dies, so quorum 1 is lost when HAProxy is gone.',
          'quorum 1',
          '# weight 0: no HAProxy process puts the instance in FAULT (reasons at track_process in the instance below).',
          'weight 0',
        ]),
        '}',
      ];
}

function renderPortScript(): string[] {
  return [
    '# Polling probe for what a process watch cannot see: a HAProxy that runs but does not accept connections.',
    'vrrp_script chk_haproxy_port {',
    block('    ', [
      `script "${CHECK_HAPROXY_SCRIPT}"`,
      '# Every second, killed after 1 s (a hung HAProxy fails the probe instead of blocking it).',
      'interval 1',
      'timeout 1',
      '# Two failures in a row lower the priority, two successes restore it: one slow answer does not move the VIP.',
      'fall 2',
      'rise 2',
      `# Negative weight larger than any priority gap (priorities are equal): a failing node always yields the VIP.`,
      '# Not weight 0 (FAULT): if the probe fails on every LB at once (overload), the VIP stays where it is instead of vanishing.',
      `weight ${PORT_CHECK_WEIGHT}`,
    ]),
    '}',
  ];
}

/** The body of the `vrrp_instance` block, indented. */
function renderInstanceBody(lb: LoadBalancer, host: Host, peers: Host[], tracker: Tracker, auth: string[]): string {
  const iface = token(host.interface || lb.interface, 'an interface name', 'keepalived');
  const vip = token(lb.vip, 'the VIP', 'keepalived');
  return block('    ', [
    '# Every node starts as BACKUP: the VIP goes to whoever times out first; no node grabs it on (re)start.',
    'state BACKUP',
    `# The interface that carries ${host.address}; the VIP is added here.`,
    `interface ${iface}`,
    '# Per-cluster id (from the spec): two clusters on one L2 segment must not share it.',
    `virtual_router_id ${lb.virtualRouterId}`,
    '# Equal base priority on every LB node: a recovered node does not preempt the VIP back (a takeover cuts every',
    '# open connection through HAProxy); only a tracker lowering a node, or its death, moves the VIP.',
    `priority ${BASE_PRIORITY}`,
    lb.vrrpVersion === 3
      ? '# VRRPv3 allows sub-second adverts; it has no authentication (keepalived ignores it with a warning).'
      : '# VRRPv2: adverts in whole seconds, so a takeover needs about 3 s.',
    `version ${lb.vrrpVersion}`,
    `# Seconds between adverts; a backup takes over after 3 missed adverts (+ skew): about ${fmtNumber(lb.advertInt * 3)} s.`,
    `advert_int ${fmtNumber(lb.advertInt)}`,
    '# Two masters (a healed partition): the one that yields sends one last advert first, so the winner re-announces',
    '# the VIP (gratuitous ARP) and clients stop using the loser\'s MAC.',
    'higher_prio_send_advert true',
    ...auth,
    ...renderUnicast(lb, host, peers),
    '# The VIP as a /32: it adds no subnet route of its own, the interface address already has one.',
    'virtual_ipaddress {',
    `    ${vip}/32 dev ${iface}`,
    '}',
    ...renderInstanceTrackers(tracker),
  ]);
}

function renderUnicast(lb: LoadBalancer, host: Host, peers: Host[]): string[] {
  return lb.unicast && peers.length > 0
    ? [
        '# Unicast VRRP to the other LB hosts: clouds and many switches drop multicast adverts.',
        `unicast_src_ip ${token(host.address, 'a host address', 'keepalived')}`,
        '# Accept adverts only from the peers listed below.',
        'check_unicast_src',
        'unicast_peer {',
        ...peers.map((p) => `    ${token(p.address, 'a host address', 'keepalived')}`),
        '}',
      ]
    : ['# Multicast adverts (224.0.0.18): loadBalancer.unicast is false or there is no peer.'];
}

/** The instance's references to the event tracker (→ FAULT) and the port probe (→ lower priority). */
function renderInstanceTrackers(tracker: Tracker): string[] {
  return [
    ...(tracker === 'file'
      ? [
          '# HAProxy dead → FAULT. With equal priorities, FAULT is the fastest way out: the master leaves at once with a',
          '# priority-0 advert and a peer takes over after its skew time (< advert_int); a negative weight would only',
          '# lower the priority, and keepalived peers discard lower-priority adverts and wait 3 × advert_int.',
          'track_file {',
          '    haproxy_down',
          '}',
        ]
      : [
          '# No HAProxy process → FAULT. With equal priorities, FAULT is the fastest way out: the master leaves at once',
          '# with a priority-0 advert; a negative weight would make peers wait 3 × advert_int for the master-down timer.',
          'track_process {',
          '    haproxy_running',
          '}',
        ]),
    'track_script {',
    '    chk_haproxy_port',
    '}',
  ];
}
