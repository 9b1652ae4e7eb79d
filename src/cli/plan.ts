import { Option } from 'commander';
import type { Command } from 'commander';
import { PHASE_NAMES } from '../apply/phases/index.js';
import { planToJson, renderPlanText } from '../apply/views.js';
import { planSession } from '../ops/plan.js';
import { ExitCode } from './exit-codes.js';
import { EXIT_HELP, labBundleUnless, parsePhases, readBundleOption } from './plan-input.js';
import { errorText, openReach } from './reach.js';
import { addReachOptions, FORCE_HELP } from './reach-options.js';
import type { ReachOptions } from './reach-options.js';

interface PlanOptions extends ReachOptions {
  phase?: string;
  bundle?: string;
  output: 'text' | 'json';
}

async function planCommand(specPath: string, opts: PlanOptions): Promise<number> {
  const phases = parsePhases(opts.phase);
  const reach = await openReach(specPath, opts, labBundleUnless(opts.bundle, specPath));
  if ('exitCode' in reach) return reach.exitCode;
  const { session } = reach;
  try {
    const bundle = await readBundleOption(opts.bundle);
    const { plan, unreachable } = await planSession(session, { ...(bundle ? { bundle: bundle.info } : {}), ...(phases ? { phases } : {}), describe: errorText });
    process.stdout.write(opts.output === 'json' ? JSON.stringify(planToJson(plan), null, 2) + '\n' : renderPlanText(plan, { color: process.stdout.isTTY === true && !process.env['NO_COLOR'] }));
    const fails = plan.hosts.filter((h) => h.steps.some((s) => s.kind === 'fail')).map((h) => h.host);
    if (fails.length === 0) return ExitCode.Ok;
    return fails.every((h) => unreachable.includes(h)) ? ExitCode.Environment : ExitCode.Findings;
  } finally {
    await session.close();
  }
}

export function registerPlan(program: Command): void {
  addReachOptions(
    program
      .command('plan')
      .description('Show, per host, what apply would change: packages, files (unified diffs, secrets masked), services, and why. Read-only.')
      .argument('<spec>', 'cluster spec (YAML)')
      .option('--phase <names>', `only these phases (${PHASE_NAMES.join(', ')})`)
      .option('--bundle <dir>', 'offline package bundle (kubeha bundle) to plan installs from')
      .option('--force', FORCE_HELP)
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
    .action(async (spec: string, opts: PlanOptions) => {
      process.exitCode = await planCommand(spec, opts);
    });
}
