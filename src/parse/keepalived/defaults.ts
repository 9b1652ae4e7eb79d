/**
 * keepalived's defaults (keepalived.conf(5)): priority 100, advert_int 1, version 2, script weight 0, fall/rise 1,
 * interval 1 s, track_process/track_file weight 1, track_process quorum 1.
 */
export const KEEPALIVED_DEFAULTS = {
  priority: 100,
  advertIntS: 1,
  version: 2,
  scriptIntervalS: 1,
  scriptWeight: 0,
  scriptFall: 1,
  scriptRise: 1,
  trackWeight: 1,
  quorum: 1,
} as const;
