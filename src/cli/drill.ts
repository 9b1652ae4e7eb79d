import { Option } from 'commander';
import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { analyzeSpec } from '../analyze/spec-analysis.js';
import { InputError } from '../diag/errors.js';
import type { Diagnostic } from '../diag/diagnostic.js';
import { drillLine } from '../measure/drill.js';
import { drillReport } from '../measure/report.js';
import type { Failure } from '../model/failure.js';
import { failureHosts, formatFailure, parseFailure } from '../model/failure.js';
import type { DrillRun } from '../ops/drill.js';
import { describeInjection, labOnly, runDrill } from '../ops/drill.js';
import { runSoak } from '../ops/soak.js';
import { soakText } from '../measure/soak.js';
import { ExitCode } from './exit-codes.js';
import { openReach } from './reach.js';
import { addReachOptions } from './reach-options.js';
import type { ReachOptions } from './reach-options.js';

interface DrillOptions extends ReachOptions {
  scenario?: string[];
  all?: boolean;
  output: 'text' | 'json';
  report?: string;
  yes?: boolean;
  probeInterval: string;
  soak?: boolean;
  soakSeconds: string;
}

const bad = (d: Diagnostic): InputError => new InputError([d]);

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

async function drillCommand(specPath: string, opts: DrillOptions): Promise<number> {
  if (!opts.all && !opts.soak && (opts.scenario ?? []).length === 0)
    throw bad({ code: 'E_ARG', severity: 'error', message: 'drill needs --scenario NAME, --all or --soak', hint: 'e.g. --scenario node-down:lb0; `kubeha check SPEC --output json` lists the scenarios' });
  const soakSeconds = Number(opts.soakSeconds);
  if (!Number.isInteger(soakSeconds) || soakSeconds < 5 || soakSeconds > 1800)
    throw bad({ code: 'E_ARG', severity: 'error', message: `--soak-seconds must be an integer from 5 to 1800, got "${opts.soakSeconds}"`, hint: 'e.g. --soak-seconds 300' });
  const interval = Number(opts.probeInterval);
  if (!Number.isInteger(interval) || interval < 5 || interval > 1000)
    throw bad({ code: 'E_ARG', severity: 'error', message: `--probe-interval must be an integer from 5 to 1000 ms, got "${opts.probeInterval}"`, hint: 'e.g. --probe-interval 20' });
  // Bad scenario text is bad input before anything is reached.
  const named: Failure[] = [];
  for (const text of opts.scenario ?? []) {
    const p = parseFailure(text);
    if (!p.ok) throw bad(p.problem);
    named.push(p.failure);
  }
  const session = await openReach(specPath, opts);
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const scenarios = analyzeSpec(session.spec).scenarios;
    const names = session.spec.hosts.map((h) => h.name);
    const lbs = session.rendered.filter((h) => h.files.some((f) => f.path.startsWith('/etc/keepalived/'))).map((h) => h.host);
    const failures: Failure[] = opts.all
      ? [
          ...scenarios.filter((s) => s.failure !== 'none').flatMap((s) => {
            const p = parseFailure(s.failure);
            return p.ok ? [p.failure] : [];
          }),
          ...lbs.map((host): Failure => ({ kind: 'link-degraded', host })),
        ]
      : named;
    for (const f of failures) {
      const unknown = failureHosts(f).filter((h) => !names.includes(h));
      if (unknown.length > 0) throw bad({ code: 'DRILL_UNKNOWN_HOST', severity: 'error', message: `${formatFailure(f)} names ${unknown.join(', ')}, not a host of the spec`, hint: `hosts: ${names.join(', ')}` });
      if (!session.lab && labOnly(f))
        throw bad({ code: 'DRILL_LAB_ONLY', severity: 'error', message: `${formatFailure(f)} is lab-only: kubeha cuts power and links only of lab hosts`, hint: 'run it in a lab (kubeha lab up SPEC), or drill haproxy-down, keepalived-down or apiserver-down' });
    }
    if (!session.lab && !opts.yes) {
      const what = failures.map((f) => `  ${describeInjection(session, f)}`).join('\n');
      process.stderr.write(`These hosts are not a lab. The drill will break, then restore:\n${what}\n`);
      if (!process.stdin.isTTY || opts.output === 'json' || !(await confirm('Run the drill? [y/N] ')))
        throw bad({ code: 'DRILL_NOT_CONFIRMED', severity: 'error', message: 'the drill was not confirmed', hint: 'pass --yes once you accept what it breaks' });
    }
    if (opts.soak) {
      if (!session.lab) throw bad({ code: 'DRILL_LAB_ONLY', severity: 'error', message: 'the soak saturates CPUs and degrades links: lab only', hint: 'run it in a lab (kubeha lab up SPEC)' });
      const soak = await runSoak(session, { seconds: soakSeconds, probeIntervalMs: interval, onProgress: (l) => process.stderr.write(`${l}\n`), signal: abort.signal });
      process.stdout.write((opts.output === 'json' ? JSON.stringify({ soak }) : soakText(soak)) + '\n');
      if (failures.length === 0) return abort.signal.aborted ? ExitCode.Interrupted : soak.findings.some((f) => f.severity === 'error') ? ExitCode.Findings : ExitCode.Ok;
    }
    const runs: DrillRun[] = [];
    for (const f of failures) {
      if (abort.signal.aborted) break;
      const run = await runDrill(session, f, { scenarios, probeIntervalMs: interval, onProgress: (l) => process.stderr.write(`${l}\n`), signal: abort.signal });
      runs.push(run);
      process.stdout.write((opts.output === 'json' ? JSON.stringify(run.result) : drillLine(run.result)) + '\n');
    }
    if (opts.report) {
      await writeFile(opts.report, drillReport(runs.map((r) => ({ result: r.result, events: r.events })), { cluster: session.spec.name, at: new Date().toISOString() }));
      process.stderr.write(`report: ${opts.report}\n`);
    }
    if (abort.signal.aborted) return ExitCode.Interrupted;
    return runs.some((r) => r.result.findings.some((x) => x.severity === 'error')) ? ExitCode.Findings : ExitCode.Ok;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await session.close();
  }
}

export function registerDrill(program: Command): void {
  addReachOptions(
    program
      .command('drill')
      .description("Break one piece on purpose while a client probes the endpoint, undo it, and hold the measured outage against the analyser's prediction.")
      .argument('<spec>', 'cluster spec (YAML)')
      .option('--scenario <name...>', 'failure(s) to drill: node-down:<host>, haproxy-down:<lb>, keepalived-down:<lb>, apiserver-down:<addr>:<port>, partition:<a>|<b>, link-degraded:<host>')
      .option('--all', "every scenario of the analysis, and link-degraded on each LB")
      .addOption(new Option('--output <format>', 'text, or json (one object per drill)').choices(['text', 'json']).default('text'))
      .option('--report <file.md>', 'also write a Markdown report with one SVG timeline per drill')
      .option('-y, --yes', 'hosts that are not a lab: do not ask before breaking them')
      .option('--probe-interval <ms>', 'milliseconds between new-connection probes', '20')
      .option('--soak', 'lab only: probe while the LB hosts\' CPUs are saturated, then while the VIP holder\'s link is delayed and lossy (target: 0 VIP moves, 0 failed probes)')
      .option('--soak-seconds <n>', 'seconds per soak phase (5 to 1800)', '300'),
  )
    .addHelpText(
      'after',
      `
Examples:
  sudo kubeha drill cluster.yaml --scenario node-down:lb0
  sudo kubeha drill cluster.yaml --scenario haproxy-down:lb0 keepalived-down:lb0 --output json
  sudo kubeha drill cluster.yaml --all --report drills.md
  sudo kubeha drill cluster.yaml --soak --soak-seconds 60

Per drill: a new TLS connection and anonymous GET /readyz through the endpoint every 20 ms and 5 Kubernetes
watches (admin client certificate), from the client side: a process in the lab's taskbox namespace (or --netns);
the fault injected (lab: power-off, VRRP cut, link
delay+loss; over SSH: HAProxy SIGKILLed with restarts held off, keepalived stopped, kube-apiserver SIGKILLed);
convergence awaited; the fault undone; recovery awaited. node-down, partition and link-degraded are lab-only.
On hosts that are not a lab the drill says what it will break and asks (--yes skips the question).
A drill's probe fails on an error or no answer within 1 s; failedNew counts the failed probes that started once the
fault had taken effect (a killed process reaped): new requests, not those in flight when it struck.
JSON (one object per drill): {scenario, probes, failed, failedNew, newFrom, outageMs, p99Ms, brokenWatches,
vipHoldersBefore, vipHoldersAfter, reachable, transitions: [{host, state, atMs}], recovered, failback: {failed,
failedNew, outageMs, brokenWatches, vipHolders}, prediction: {vipHolders, apiReachable, outageMs, note}, findings,
notes, ...}.
Findings: holders or reachability other than predicted, or no recovery = error; outage > 2 x predicted, or new
requests failed where no outage is predicted = warning.
Soak: a probe fails on an error or no answer within 10 s (client-go's defaults, strictly: 30 s dial, 10 s TLS handshake);
per phase probes, failed, errors by reason, latency p50/p99/max, slow (> 1 s), VIP moves from sampling the holder
every 100 ms in each LB's namespace, cross-checked with keepalived's journal. JSON: {soak: {phases, findings, notes}}.
Exit codes: 0 no error finding, 1 an error finding, 2 bad input (a scenario, a lab-only drill outside a lab,
not confirmed), 3 environment (a host unreachable, a step failed), 130 interrupted (the fault is undone first).`,
    )
    .action(async (spec: string, opts: DrillOptions) => {
      process.exitCode = await drillCommand(spec, opts);
    });
}
