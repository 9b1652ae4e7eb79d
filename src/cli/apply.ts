import { Option } from 'commander';
import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { PHASE_NAMES } from '../apply/phases/index.js';
import { jsonView, plainView, renderPlanText, ttyView } from '../apply/views.js';
import { InputError } from '../diag/errors.js';
import { applySession } from '../ops/apply.js';
import { planSession } from '../ops/plan.js';
import { ExitCode } from './exit-codes.js';
import { commandStartedAt } from './netns.js';
import { EXIT_HELP, labBundleUnless, parsePhases, readBundleOption } from './plan-input.js';
import { errorText, openReach } from './reach.js';
import { addReachOptions, FORCE_HELP } from './reach-options.js';
import type { ReachOptions } from './reach-options.js';

interface ApplyOptions extends ReachOptions {
  yes?: boolean;
  phase?: string;
  bundle?: string;
  output: 'text' | 'json';
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

async function applyCommand(specPath: string, opts: ApplyOptions, startedAt: number): Promise<number> {
  const phases = parsePhases(opts.phase);
  const reach = await openReach(specPath, opts, labBundleUnless(opts.bundle, specPath));
  if ('exitCode' in reach) return reach.exitCode;
  const { session } = reach;
  const abort = new AbortController();
  const onSigint = (): void => abort.abort();
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const bundle = await readBundleOption(opts.bundle);
    const { plan, unreachable, observeMs } = await planSession(session, { ...(bundle ? { bundle: bundle.info } : {}), ...(phases ? { phases } : {}), describe: errorText });
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
    const view = opts.output === 'json' ? jsonView(process.stdout) : process.stdout.isTTY && process.env['TERM'] !== 'dumb' ? ttyView(process.stdout) : plainView(process.stdout);
    const result = await applySession(session, {
      plan,
      ...(bundle ? { bundle } : {}),
      emit: view,
      describe: errorText,
      signal: abort.signal,
      // A question answered by a person is not apply's time.
      ...(opts.yes || plan.changes === 0 ? { startedAt } : {}),
      observeMs,
    });
    if (result.interrupted) return ExitCode.Interrupted;
    if (result.ok) return ExitCode.Ok;
    const failed = result.hosts.filter((h) => h.status === 'failed').map((h) => h.host);
    return failed.every((h) => unreachable.includes(h)) ? ExitCode.Environment : ExitCode.Findings;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    await session.close();
  }
}

export function registerApply(program: Command): void {
  addReachOptions(
    program
      .command('apply')
      .description('Converge the hosts: preflight, packages, files (validated, atomic), services, verify; all hosts in parallel.')
      .argument('<spec>', 'cluster spec (YAML)')
      .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)')
      .option('--phase <names>', `run only these phases, kubeadm-style (${PHASE_NAMES.join(', ')})`)
      .option('--bundle <dir>', 'offline package bundle (kubeha bundle): copied to /opt/kubeha/bundle and used as the only source for the install')
      .option('--force', FORCE_HELP)
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
      process.exitCode = await applyCommand(spec, opts, commandStartedAt());
    });
}
