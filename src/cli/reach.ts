import { hasErrors } from '../diag/diagnostic.js';
import { InputError } from '../diag/errors.js';
import { renderDiagnostics } from '../diag/render.js';
import { labForSpec, openSession } from '../ops/session.js';
import type { Session, SessionOptions } from '../ops/session.js';
import { readSpecFile } from './io.js';
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
 * The spec loaded once and its session opened. Lab hosts (and hosts in --netns) are reached from this process through
 * connections opened inside their namespace (src/remote/netns-dial.ts): no second kubeha process.
 */
export async function openReach(specPath: string, opts: ReachOptions, extra: Pick<SessionOptions, 'issuePki' | 'renewPki'> = {}): Promise<Session> {
  const parallel = parsePositive('--parallel', opts.parallel, 256);
  const timeoutS = parsePositive('--timeout', opts.timeout ?? '120', 86_400);
  const loaded = await readSpecFile(specPath, { force: opts.force === true });
  if (hasErrors(loaded.diagnostics) || !loaded.spec) throw new InputError(loaded.diagnostics);
  const spec = loaded.spec;
  if (loaded.diagnostics.length > 0) process.stderr.write(renderDiagnostics(loaded.diagnostics) + '\n');
  const only = opts.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return openSession(
    specPath,
    spec,
    {
      ...(only ? { only } : {}),
      ...(opts.knownHosts ? { knownHostsFile: opts.knownHosts } : {}),
      acceptNewHostKeys: opts.acceptNewHostKeys === true,
      ...(opts.stateDir ? { stateDir: opts.stateDir } : {}),
      ...(opts.netns ? { netns: opts.netns } : {}),
      parallel,
      commandTimeoutMs: timeoutS * 1000,
      ...extra,
    },
    await labForSpec(spec),
  );
}
