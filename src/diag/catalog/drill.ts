import { error, warning } from './entry.js';

const DRILL_DOC = 'docs/drills.md (what a drill measures and holds against the analyser)';

/** Findings of `kubeha drill`: the analyser's prediction held against what a client measured. */
export const DRILL_CODES = {
  'drill-holders-mismatch': error('During the drill the VIP was held by other hosts than the analyser predicted', `${DRILL_DOC}; the prediction is \`kubeha check\`'s scenario`, 'read the VRRP transitions of the drill and the scenario note: a priority, weight or tracker does not behave as the configs say (or the analyser is wrong: report it)'),
  'drill-reachability-mismatch': error('The API was (un)reachable during the drill against the prediction', DRILL_DOC, 'compare the probes with the scenario note: a health check, tracker or path does not behave as modelled'),
  'drill-outage-over-prediction': warning('The outage a client measured is more than twice the predicted one', `${DRILL_DOC} (tolerance: 2 × prediction + one probe interval)`, 'a busy machine stretches timers; if it repeats on an idle one, check advert_int, health-check inter/fall and the tracker'),
  'drill-new-requests-failed': warning('New requests failed although the analyser predicts no outage: connections started after the fault took effect, not only those it cut in flight', `${DRILL_DOC} (failed and failedNew)`, 'a dead server must be refused and redispatched: check HAProxy\'s retries and `option redispatch 1`, and that the fault really refuses connections (not a silent drop)'),
  'drill-failback-outage': warning('Undoing the fault cost failed requests (the failback is not free)', DRILL_DOC, 'read the transitions: a preempting LB takes the VIP back (nopreempt or equal priorities avoid it), or a client kept a stale ARP entry (keepalived\'s garp_master_refresh re-announces the VIP)'),
  'drill-not-recovered': error('The API did not answer steadily again after the fault was undone', DRILL_DOC, 'run `kubeha status`; the drill names the hosts and services it restored'),
  'drill-soak-vip-moved': error('During the soak (CPU saturated on the LBs, or one LB link slow and lossy) the VIP moved', `${DRILL_DOC} (the soak)`, 'a busy or slow LB missed adverts: raise advert_int or the priority gap, or keep the LB hosts\' CPU free'),
  'drill-soak-failed-probes': error('During the soak some probes through the endpoint failed', `${DRILL_DOC} (the soak)`, 'read the phase: a VIP move, HAProxy starved of CPU, or connections lost on the lossy link'),
  'drill-not-run': error('The drill could not run: the cluster was not healthy first, or the failure cannot be injected here', DRILL_DOC, 'see the message: fix the cluster (`kubeha status`) or choose a scenario the setup has'),
  DRILL_LAB_ONLY: error('This failure can only be injected in a lab (a power cut or a network cut of a real machine is not kubeha\'s to do)', DRILL_DOC, 'run it in a lab (`kubeha lab up`), or drill haproxy-down, keepalived-down or apiserver-down'),
  DRILL_UNKNOWN_HOST: error('The scenario names a host the spec does not have, or one that runs no such service', DRILL_DOC, 'use a scenario `kubeha check --output json` lists'),
  DRILL_NOT_CONFIRMED: error('The drill breaks hosts that are not a lab and was not confirmed', DRILL_DOC, 'read what it will break and pass --yes'),
} as const;
