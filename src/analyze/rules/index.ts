/** Every analysis rule, in a stable order (the order `kubeha explain --list` prints). */
import type { Rule } from '../types.js';
import { haproxyRules } from './haproxy.js';
import { topologyRules } from './topology.js';
import { trackingRules } from './tracking.js';
import { vrrpRules } from './vrrp.js';

export const allRules: readonly Rule[] = [...vrrpRules, ...trackingRules, ...haproxyRules, ...topologyRules];

