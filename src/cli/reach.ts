import type { ClusterSpec } from '../cluster-spec/types.js';
import { hasErrors } from '../diag/diagnostic.js';
import { InputError } from '../diag/errors.js';
import { renderDiagnostics } from '../diag/render.js';
import type { LabState } from '../lab/state.js';
import { labForSpec, openSession } from '../ops/session.js';
import type { Session, SessionOptions } from '../ops/session.js';
import { readSpecFile } from './io.js';
import { currentNetns, reexecInNetns, watchParent } from './netns.js';
import type { ReachOptions } from './reach-options.js';
import { describeError } from './report-error.js';

/** The session of the commands that act on a spec's hosts over SSH (plan, apply, analyze --from). */

function parsePositive(name: string, value: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new InputError([{ code: 'E_ARG', severity: 'error', message: `${name} must be an integer from 1 to ${max}, got "${value}"`, hint: `e.g. ${name} 4` }]);
  return n;
}

/** An error as the one line a host's failing step or finding shows. */
export const errorText = (err: unknown): string => describeError(err).text.replace(/^error: /, '');

/**
 * What the command does before it hops into the lab's taskbox, where there is no route out (e.g. find or build the
 * lab's bundle); returns arguments for the re-executed command.
 */
export type BeforeHop = (spec: ClusterSpec, lab: LabState) => Promise<string[]>;

/**
 * The spec loaded once and its session opened; or, when its hosts live in a network namespace (a lab's taskbox, or
 * --netns), the exit code of this same command re-executed there.
 */
export async function openReach(specPath: string, opts: ReachOptions, beforeHop?: BeforeHop, extra: Pick<SessionOptions, 'issuePki' | 'renewPki'> = {}): Promise<{ session: Session } | { exitCode: number }> {
  const inNetns = currentNetns() !== undefined;
  if (inNetns) watchParent();
  else if (opts.netns) return { exitCode: await reexecInNetns(opts.netns) };
  const parallel = parsePositive('--parallel', opts.parallel, 256);
  const timeoutS = parsePositive('--timeout', opts.timeout ?? '120', 86_400);
  const loaded = await readSpecFile(specPath, { force: opts.force === true });
  if (hasErrors(loaded.diagnostics) || !loaded.spec) throw new InputError(loaded.diagnostics);
  const spec = loaded.spec;
  const lab = await labForSpec(spec);
  if (lab && !inNetns) return { exitCode: await reexecInNetns(lab.plan.taskbox.netns, beforeHop ? await beforeHop(spec, lab) : []) };
  // Warnings are printed here, by the process that does the work: not twice when there was a hop.
  if (loaded.diagnostics.length > 0) process.stderr.write(renderDiagnostics(loaded.diagnostics) + '\n');
  const only = opts.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const session = await openSession(
    specPath,
    spec,
    {
      ...(only ? { only } : {}),
      ...(opts.knownHosts ? { knownHostsFile: opts.knownHosts } : {}),
      acceptNewHostKeys: opts.acceptNewHostKeys === true,
      ...(opts.stateDir ? { stateDir: opts.stateDir } : {}),
      parallel,
      commandTimeoutMs: timeoutS * 1000,
      ...extra,
    },
    lab,
  );
  return { session };
}
