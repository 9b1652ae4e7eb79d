import { Option } from 'commander';
import type { Command } from 'commander';
import { InputError } from '../diag/errors.js';
import type { ClusterStatus } from '../measure/status.js';
import { statusText } from '../measure/status.js';
import { clusterStatus, watchStatus } from '../ops/status.js';
import { ExitCode } from './exit-codes.js';
import { openReach } from './reach.js';
import { addReachOptions } from './reach-options.js';
import type { ReachOptions } from './reach-options.js';

interface StatusOptions extends ReachOptions {
  output: 'text' | 'json';
  watch?: boolean;
  interval: string;
}

const codeOf = (s: ClusterStatus): number => (s.verdict.state === 'healthy' ? ExitCode.Ok : ExitCode.Findings);

function intervalMs(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0.5 || n > 60)
    throw new InputError([{ code: 'E_ARG', severity: 'error', message: `--interval must be from 0.5 to 60 seconds, got "${value}"`, hint: 'e.g. --interval 2' }]);
  return n * 1000;
}

async function statusCommand(specPath: string, opts: StatusOptions): Promise<number> {
  const every = intervalMs(opts.interval);
  const session = await openReach(specPath, { ...opts, timeout: opts.timeout ?? '5' });
  const tty = process.stdout.isTTY === true && opts.output === 'text';
  const show = (s: ClusterStatus): void => {
    if (opts.output === 'json') process.stdout.write(JSON.stringify(s) + '\n');
    else process.stdout.write((tty && opts.watch ? '\x1b[H\x1b[2J' : '') + statusText(s) + '\n' + (opts.watch && !tty ? '\n' : ''));
  };
  try {
    if (!opts.watch) {
      const s = await clusterStatus(session);
      show(s);
      return codeOf(s);
    }
    const abort = new AbortController();
    const onSignal = (): void => abort.abort();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let last: ClusterStatus | undefined;
    try {
      // JSON: one object per refresh; text: a redraw only when something changed.
      last = await watchStatus(session, { intervalMs: every, signal: abort.signal, onStatus: (s, changed) => {
          if (opts.output === 'json' || changed) show(s);
        },
      });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    return last ? codeOf(last) : ExitCode.Interrupted;
  } finally {
    await session.close();
  }
}

export function registerStatus(program: Command): void {
  addReachOptions(
    program
      .command('status')
      .description("Show the control plane's HA state now: a verdict, keepalived and the VIP per LB, HAProxy's view of every backend, /readyz through the endpoint and on each master, etcd's health.")
      .argument('<spec>', 'cluster spec (YAML)')
      .addOption(new Option('--output <format>', 'text, or json (one object per refresh)').choices(['text', 'json']).default('text'))
      .option('--watch', 'refresh until Ctrl-C; text redraws only when something changed')
      .option('--interval <seconds>', 'refresh interval with --watch (0.5 to 60)', '2'),
  )
    .addHelpText(
      'after',
      `
Examples:
  kubeha status cluster.yaml
  kubeha status cluster.yaml --watch
  kubeha status cluster.yaml --output json | jq .verdict

The first line is the verdict: healthy; degraded: <why> (the API answers, redundancy is lost: a service down, a
backend DOWN in HAProxy, a master failing /readyz, split brain); down: <why> (nobody holds the VIP, or /readyz
through the endpoint fails). Lab clusters are looked at from the lab's client side (the taskbox).
JSON: {at, cluster, endpoint, verdict: {state, why[]}, lbs: [{host, reachable, keepalived, haproxy, vrrpState,
holdsVip, servers: [{proxy, server, status, checkStatus, address}]}], readyz: [{target, url, ok, detail, ms}],
etcd: {state, reason?, members?}}.
Exit codes: 0 healthy, 1 degraded or down (with --watch: the last refresh's), 2 bad input, 3 environment.`,
    )
    .action(async (spec: string, opts: StatusOptions) => {
      process.exitCode = await statusCommand(spec, opts);
    });
}
