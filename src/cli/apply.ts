import { Option } from 'commander';
import type { Command } from 'commander';
import { appendFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { runPlan } from '../apply/engine.js';
import type { ApplyEvent } from '../apply/events.js';
import { fanOut } from '../apply/events.js';
import { observeHost } from '../apply/observe.js';
import { planCluster } from '../apply/plan.js';
import { readBundle } from '../apply/bundle.js';
import { acquireApplyLock } from '../apply/lock.js';
import type { ApplyLock } from '../apply/lock.js';
import type { LocalBundle } from '../apply/bundle.js';
import type { HostPlan, ObservedHost, Phase, Plan } from '../apply/types.js';
import { PHASES } from '../apply/types.js';
import { jsonView, planToJson, plainView, renderPlanText, ttyView } from '../apply/views.js';
import { didYouMean } from '../diag/diagnostic.js';
import { InputError } from '../diag/errors.js';
import { renderCluster } from '../render/index.js';
import type { RenderedHost } from '../render/types.js';
import { SshPool, targetsFromSpec } from '../remote/ssh.js';
import type { SshTarget } from '../remote/ssh.js';
import type { ClusterSpec } from '../cluster-spec/types.js';
import { defaultStateDir, loadOrCreateSecrets } from '../state/secrets.js';
import { ExitCode } from './exit-codes.js';
import { loadSpecFile } from './io.js';
import { currentNetns, labForSpec, reexecInNetns, watchParent } from './netns.js';
import { describeError } from './report-error.js';
import { mkdirp } from '../state/mkdirp.js';

/** Options shared by plan, apply and analyze --from. */
export interface ReachOptions {
  only?: string;
  knownHosts?: string;
  acceptNewHostKeys?: boolean;
  netns?: string;
  stateDir?: string;
  parallel: string;
  timeout?: string;
}

interface ApplyOptions extends ReachOptions {
  yes?: boolean;
  phase?: string;
  bundle?: string;
  output: 'text' | 'json';
}

export const EXIT_HELP = `
Exit codes:
  0    plan: planned (with or without changes); apply: every host converged and verified
  1    a step failed on at least one host (the others were converged); plan: a preflight check fails
  2    bad input (spec, arguments, --only names); nothing was changed
  3    a host could not be reached or trusted (unreachable, host key unknown/changed, no sudo) and nothing else failed
  130  interrupted (Ctrl-C): the step under way finished, no new step started`;

export function addReachOptions(cmd: Command): Command {
  return cmd
    .option('--only <hosts>', 'only these hosts (comma-separated names)')
    .option('--known-hosts <file>', 'known_hosts file checked strictly (default: the lab\'s for lab hosts, else ~/.ssh/known_hosts)')
    .option('--accept-new-host-keys', 'trust and record keys of hosts absent from known_hosts (changed keys are always refused)')
    .option('--netns <name>', 'run inside this network namespace (default: the lab\'s taskbox when the spec\'s hosts are lab hosts)')
    .option('--state-dir <dir>', 'secrets and the apply journal (default: .kubeha/<cluster name> next to the spec)')
    .option('--parallel <n>', 'hosts handled at once', '8')
    .option('--timeout <seconds>', 'timeout of one remote command (package installs get 15 minutes)', '120');
}

/** The spec's hosts reached over SSH: key files resolved next to the spec, the lab's key and known_hosts for lab hosts. */
export interface Reach {
  spec: ClusterSpec;
  specPath: string;
  stateDir: string;
  rendered: RenderedHost[];
  targets: Map<string, SshTarget>;
  pool: SshPool;
  parallel: number;
}

/** Re-executes inside the namespace when needed; returns the child's exit code, or undefined to go on here. */
export async function hopIfNeeded(specPath: string, opts: ReachOptions): Promise<number | undefined> {
  if (currentNetns()) {
    watchParent();
    return undefined;
  }
  if (opts.netns) return reexecInNetns(opts.netns);
  // Warnings are printed by the re-executed child (or below, when there is no hop): not twice.
  const spec = await loadSpecFile(specPath, new Writable({ write: (_c, _e, cb) => cb() }));
  const lab = await labForSpec(spec);
  if (lab) return reexecInNetns(lab.plan.taskbox.netns);
  return undefined;
}

function parsePositive(name: string, value: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new InputError([{ code: 'E_ARG', severity: 'error', message: `${name} must be an integer from 1 to ${max}, got "${value}"`, hint: `e.g. ${name} 4` }]);
  return n;
}

export async function openReach(specPath: string, opts: ReachOptions): Promise<Reach> {
  const spec = await loadSpecFile(specPath);
  const lab = await labForSpec(spec);
  const parallel = parsePositive('--parallel', opts.parallel, 256);
  const timeoutS = parsePositive('--timeout', opts.timeout ?? '120', 86_400);
  const stateDir = opts.stateDir ?? defaultStateDir(resolve(specPath), spec);
  const secrets = await loadOrCreateSecrets(stateDir, spec);
  let rendered = renderCluster(spec, secrets);
  if (opts.only) {
    const names = opts.only.split(',').map((s) => s.trim()).filter(Boolean);
    const all = rendered.map((r) => r.host);
    const unknown = names.filter((n) => !all.includes(n));
    if (unknown.length > 0) {
      throw new InputError(
        unknown.map((n) => {
          const guess = didYouMean(n, all);
          return { code: 'E_ONLY_HOST', severity: 'error' as const, message: `--only names "${n}", which is not a host of the spec`, hint: guess ? `did you mean "${guess}"?` : `hosts: ${all.join(', ')}` };
        }),
      );
    }
    rendered = rendered.filter((r) => names.includes(r.host));
  }
  const specDir = dirname(resolve(specPath));
  const resolveKey = (k: string): string => (k.startsWith('~/') ? join(homedir(), k.slice(2)) : isAbsolute(k) ? k : resolve(specDir, k));
  const targets = targetsFromSpec(spec.hosts, resolveKey);
  if (lab) for (const t of targets.values()) t.keyFile ??= lab.plan.keyFile;
  const knownHostsFile = opts.knownHosts ?? lab?.plan.knownHostsFile ?? join(homedir(), '.ssh', 'known_hosts');
  const pool = new SshPool({ knownHostsFile, acceptNewHostKeys: opts.acceptNewHostKeys === true, commandTimeoutMs: timeoutS * 1000 });
  return { spec, specPath, stateDir, rendered, targets, pool, parallel };
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

const errorText = (err: unknown): string => describeError(err).text.replace(/^error: /, '');

/** Observes every host (in parallel) and plans; hosts that cannot be observed get a failing preflight step. */
export async function observeAndPlan(reach: Reach, bundle: LocalBundle | undefined, phases: Phase[] | undefined): Promise<{ plan: Plan; unreachable: string[] }> {
  const observed = new Map<string, ObservedHost>();
  const failed: HostPlan[] = [];
  await mapLimit(reach.rendered, reach.parallel, async (r) => {
    const target = reach.targets.get(r.host);
    if (!target) return;
    try {
      observed.set(r.host, await observeHost(reach.pool.host(target), r));
    } catch (err) {
      const message = errorText(err);
      failed.push({ host: r.host, address: r.address, packageManager: '', changes: 0, steps: [{ id: 'preflight:connect', phase: 'preflight', kind: 'fail', title: 'connect and observe', reason: message, message }] });
    }
  });
  const plan = planCluster(reach.rendered, observed, { ...(bundle ? { bundle: bundle.info } : {}), ...(phases ? { phases } : {}) });
  const order = reach.rendered.map((r) => r.host);
  plan.hosts = [...plan.hosts, ...failed].sort((a, b) => order.indexOf(a.host) - order.indexOf(b.host));
  return { plan, unreachable: failed.map((f) => f.host) };
}

function parsePhases(phase?: string): Phase[] | undefined {
  if (!phase) return undefined;
  const names = phase.split(',').map((s) => s.trim());
  for (const n of names) {
    if (!(PHASES as readonly string[]).includes(n)) {
      const guess = didYouMean(n, PHASES);
      throw new InputError([{ code: 'E_PHASE', severity: 'error', message: `unknown phase "${n}"`, hint: guess ? `did you mean "${guess}"? phases: ${PHASES.join(', ')}` : `phases: ${PHASES.join(', ')}` }]);
    }
  }
  return names as Phase[];
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

async function planCommand(specPath: string, opts: ApplyOptions): Promise<number> {
  const hop = await hopIfNeeded(specPath, opts);
  if (hop !== undefined) return hop;
  const reach = await openReach(specPath, opts);
  try {
    const bundle = opts.bundle ? await readBundle(opts.bundle) : undefined;
    const { plan, unreachable } = await observeAndPlan(reach, bundle, parsePhases(opts.phase));
    process.stdout.write(opts.output === 'json' ? JSON.stringify(planToJson(plan), null, 2) + '\n' : renderPlanText(plan, { color: process.stdout.isTTY === true && !process.env['NO_COLOR'] }));
    const fails = plan.hosts.filter((h) => h.steps.some((s) => s.kind === 'fail')).map((h) => h.host);
    if (fails.length === 0) return ExitCode.Ok;
    return fails.every((h) => unreachable.includes(h)) ? ExitCode.Environment : ExitCode.Findings;
  } finally {
    await reach.pool.close();
  }
}

async function applyCommand(specPath: string, opts: ApplyOptions): Promise<number> {
  const hop = await hopIfNeeded(specPath, opts);
  if (hop !== undefined) return hop;
  const reach = await openReach(specPath, opts);
  const abort = new AbortController();
  let lock: ApplyLock | undefined;
  const onSigint = (): void => abort.abort();
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const bundle = opts.bundle ? await readBundle(opts.bundle) : undefined;
    const { plan, unreachable } = await observeAndPlan(reach, bundle, parsePhases(opts.phase));
    if (plan.changes > 0 && !opts.yes) {
      if (!process.stdin.isTTY || opts.output === 'json') {
        throw new InputError([{ code: 'E_CONFIRM', severity: 'error', message: `apply would make ${plan.changes} change(s) and was not confirmed`, hint: 'review `kubeha plan` and pass --yes (required when stdin is not a terminal)' }]);
      }
      process.stderr.write(renderPlanText(plan, { color: process.stderr.isTTY === true }));
      if (!(await confirm(`Apply ${plan.changes} change(s) to ${plan.hosts.filter((h) => h.changes > 0).length} host(s)? [y/N] `))) {
        process.stderr.write('nothing changed\n');
        return ExitCode.Ok;
      }
    }
    const journal = join(reach.stateDir, 'journal.ndjson');
    mkdirp(reach.stateDir, 0o700);
    lock = acquireApplyLock(reach.stateDir);
    // The journal is appended synchronously, event by event: what was done survives a SIGKILL of kubeha.
    const journalSink = (e: ApplyEvent): void => appendFileSync(journal, JSON.stringify({ cluster: reach.spec.name, pid: process.pid, ...e }) + '\n', { mode: 0o600 });
    const view = opts.output === 'json' ? jsonView(process.stdout) : process.stdout.isTTY && process.env['TERM'] !== 'dumb' ? ttyView(process.stdout) : plainView(process.stdout);
    const result = await runPlan(plan, {
      parallel: reach.parallel,
      hostFor: (name) => reach.pool.host(reach.targets.get(name)!),
      ...(bundle ? { bundle: { tar: bundle.tar } } : {}),
      emit: fanOut(view, journalSink),
      describe: errorText,
      signal: abort.signal,
    });
    if (result.interrupted) return ExitCode.Interrupted;
    if (result.ok) return ExitCode.Ok;
    const failed = result.hosts.filter((h) => h.status === 'failed').map((h) => h.host);
    return failed.every((h) => unreachable.includes(h)) ? ExitCode.Environment : ExitCode.Findings;
  } finally {
    lock?.release();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    await reach.pool.close();
  }
}

export function registerApply(program: Command): void {
  addReachOptions(
    program
      .command('plan')
      .description('Show, per host, what apply would change: packages, files (unified diffs, secrets masked), services, and why. Read-only.')
      .argument('<spec>', 'cluster spec (YAML)')
      .option('--phase <names>', `only these phases (${PHASES.join(', ')})`)
      .option('--bundle <dir>', 'offline package bundle (kubeha bundle) to plan installs from')
      .addOption(new Option('--output <format>', 'output format').choices(['text', 'json']).default('text')),
  )
    .addHelpText(
      'after',
      `
Examples:
  kubeha plan cluster.yaml
  kubeha plan cluster.yaml --only lb0,lb1 --bundle ./bundle
  kubeha plan cluster.yaml --output json | jq '.hosts[] | {host, changes}'
${EXIT_HELP}`,
    )
    .action(async (spec: string, opts: ApplyOptions) => {
      process.exitCode = await planCommand(spec, opts);
    });

  addReachOptions(
    program
      .command('apply')
      .description('Converge the hosts: preflight, packages, files (validated, atomic), services, verify; all hosts in parallel.')
      .argument('<spec>', 'cluster spec (YAML)')
      .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)')
      .option('--phase <names>', `run only these phases, kubeadm-style (${PHASES.join(', ')})`)
      .option('--bundle <dir>', 'offline package bundle (kubeha bundle): copied to /opt/kubeha/bundle and used as the only source for the install')
      .addOption(new Option('--output <format>', 'text (live view on a terminal, plain lines otherwise) or json (NDJSON events)').choices(['text', 'json']).default('text')),
  )
    .addHelpText(
      'after',
      `
Examples:
  kubeha apply cluster.yaml                       # shows the plan, asks, converges
  kubeha apply cluster.yaml --yes --bundle ./bundle --parallel 4
  kubeha apply cluster.yaml --yes --phase files --only lb0
  kubeha apply cluster.yaml --yes --output json | jq -c 'select(.type=="step-failed")'

Safety: every file is uploaded beside its target as .kubeha-tmp-*, validated there by the real tool
(haproxy -c, keepalived -t), the old file kept as <path>.kubeha-bak, then renamed into place. A file that fails
validation never replaces a working one. Services are reloaded (HAProxy: hitless) or restarted only when their
files changed; an interrupted apply is finished by the next one. A second apply changes nothing.
The journal of every run is appended to <state-dir>/journal.ndjson.
${EXIT_HELP}`,
    )
    .action(async (spec: string, opts: ApplyOptions) => {
      process.exitCode = await applyCommand(spec, opts);
    });
}
