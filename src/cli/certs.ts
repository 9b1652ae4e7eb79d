import { Option } from 'commander';
import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { PHASE_NAMES } from '../apply/phases/index.js';
import { jsonView, plainView, renderPlanText, ttyView } from '../apply/views.js';
import { InputError } from '../diag/errors.js';
import { applySession } from '../ops/apply.js';
import { checkCerts, renewedCerts } from '../ops/certs.js';
import { planSession } from '../ops/plan.js';
import { pkiNeeded } from '../pki/files.js';
import type { CertCheckReport } from '../pki/check.js';
import { ExitCode } from './exit-codes.js';
import { loadSpecFile } from './io.js';
import { errorText, openReach } from './reach.js';
import { addReachOptions } from './reach-options.js';
import type { ReachOptions } from './reach-options.js';
import { isKubeadmMode } from '../render/kubeadm.js';

/** `kubeha certs check|renew`: the cluster's certificates on every host and in the state directory. */

interface CheckOptions extends ReachOptions {
  output: 'text' | 'json';
}

interface RenewOptions extends ReachOptions {
  all?: boolean;
  yes?: boolean;
  output: 'text' | 'json';
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** The report as text: one line per certificate (with its SANs under it), then the problems with their fixes. */
export function reportText(r: CertCheckReport): string {
  const lines: string[] = [];
  const w = Math.max(5, ...r.certificates.map((c) => c.where.length));
  const p = Math.max(4, ...r.certificates.map((c) => c.path.length));
  lines.push(`${pad('WHERE', w)}  ${pad('FILE', p)}  ${pad('DAYS', 5)} ${pad('NOT AFTER', 10)}  SUBJECT  (ISSUER)`);
  for (const c of r.certificates) {
    const mark = c.problems.length > 0 ? `  [${[...new Set(c.problems)].join(', ')}]` : '';
    lines.push(`${pad(c.where, w)}  ${pad(c.path, p)}  ${pad(String(c.daysLeft), 5)} ${c.notAfter.slice(0, 10)}  ${c.subject}  (${c.issuer})${mark}`);
    if (c.sans.length > 0) lines.push(`${' '.repeat(w + 2)}  SANs: ${c.sans.join(', ')}`);
  }
  lines.push('');
  for (const pr of r.problems) {
    const where = [pr.host ?? 'state', pr.file].filter(Boolean).join(':');
    lines.push(`${where}: ${pr.severity}[${pr.code}]: ${pr.message}`);
    if (pr.hint) lines.push(`  fix: ${pr.hint}`);
  }
  const errors = r.problems.filter((x) => x.severity === 'error').length;
  const warnings = r.problems.filter((x) => x.severity === 'warning').length;
  lines.push(`${r.certificates.length} certificate(s) checked: ${errors} error(s), ${warnings} warning(s)`);
  return lines.join('\n') + '\n';
}

async function checkCommand(specPath: string, opts: CheckOptions): Promise<number> {
  const session = await openReach(specPath, opts, { issuePki: false });
  try {
    const report = await checkCerts(session, new Date(), errorText);
    process.stdout.write(opts.output === 'json' ? JSON.stringify(report, null, 2) + '\n' : reportText(report));
    return report.problems.some((x) => x.severity !== 'info') ? ExitCode.Findings : ExitCode.Ok;
  } finally {
    await session.close();
  }
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

async function renewCommand(specPath: string, opts: RenewOptions, startedAt: number): Promise<number> {
  // Before the session opens: opening it with renewPki re-issues into the state directory.
  const spec = await loadSpecFile(specPath);
  if (isKubeadmMode(spec))
    throw new InputError([
      {
        code: 'KUBEHA_BAD_ARGUMENT',
        severity: 'error',
        message: 'controlPlane.mode is kubeadm: kubeadm issued the leaf certificates from kubeha\'s CAs, and it renews them; nothing was changed',
        hint: 'on each control-plane host in turn: `kubeadm certs renew all`, then restart its static pods (move each manifest out of /etc/kubernetes/manifests and back)',
      },
    ]);
  const session = await openReach(specPath, opts, { renewPki: opts.all ? 'all' : 'due' });
  try {
    const issued = await renewedCerts(session);
    const log = opts.output === 'json' ? process.stderr : process.stdout;
    log.write(issued.length === 0 ? 'nothing was due: no certificate re-issued\n' : `re-issued ${issued.length} certificate(s) into ${session.stateDir}/pki:\n${issued.map((i) => `  ${i.id}: ${i.reason}\n`).join('')}`);
    if (!pkiNeeded(session.spec)) {
      log.write(`controlPlane.installer is ${session.spec.controlPlane.installer}: kubeha does not write the control plane's certificates to the hosts (only binary mode does)\n`);
      return ExitCode.Ok;
    }
    // The files reach the hosts the way apply writes anything: changed files, then the restarts they mark.
    const phases = PHASE_NAMES.filter((p) => p !== 'packages');
    const { plan, unreachable, observeMs } = await planSession(session, { phases, describe: errorText });
    if (plan.changes > 0 && !opts.yes) {
      if (!process.stdin.isTTY || opts.output === 'json')
        throw new InputError([{ code: 'E_CONFIRM', severity: 'error', message: `renew would make ${plan.changes} change(s) on the hosts and was not confirmed`, hint: 'review `kubeha plan` and pass --yes (required when stdin is not a terminal)' }]);
      process.stderr.write(renderPlanText(plan, { color: process.stderr.isTTY === true }));
      if (!(await confirm(`Write the certificates and restart what reads them on ${plan.hosts.filter((h) => h.changes > 0).length} host(s)? [y/N] `))) {
        process.stderr.write('the hosts were not changed (the state directory holds the new certificates; the next apply writes them)\n');
        return ExitCode.Ok;
      }
    }
    const view = opts.output === 'json' ? jsonView(process.stdout) : process.stdout.isTTY && process.env['TERM'] !== 'dumb' ? ttyView(process.stdout) : plainView(process.stdout);
    const result = await applySession(session, { plan, emit: view, describe: errorText, observeMs, ...(opts.yes || plan.changes === 0 ? { startedAt } : {}) });
    if (result.interrupted) return ExitCode.Interrupted;
    if (result.ok) return ExitCode.Ok;
    const failed = result.hosts.filter((h) => h.status === 'failed').map((h) => h.host);
    return failed.every((h) => unreachable.includes(h)) ? ExitCode.Environment : ExitCode.Findings;
  } finally {
    await session.close();
  }
}

export function registerCerts(program: Command): void {
  const certs = program
    .command('certs')
    .description("Check and renew the cluster's certificates: every host's and the state directory's.")
    .addHelpText(
      'after',
      `
Examples:
  kubeha certs check cluster.yaml
  kubeha certs check cluster.yaml --output json | jq '.certificates[] | select(.daysLeft < 30)'
  kubeha certs renew cluster.yaml --yes
  kubeha certs renew cluster.yaml --all --yes        # e.g. after a key leaked`,
    );
  addReachOptions(
    certs
      .command('check')
      .description('Every certificate on every host and in the state directory: subject, SANs, issuer, expiry, and what the spec needs that it lacks. Read-only.')
      .argument('<spec>', 'cluster spec (YAML)')
      .addOption(new Option('--output <format>', 'text or json').choices(['text', 'json']).default('text')),
  )
    .addHelpText(
      'after',
      `
Reads the PKI files of each host over SSH (keys only to compare them with their certificates: no key content is
printed), and the state directory's PKI. Nothing is issued or written.

Exit codes:
  0  every certificate is there, valid, trusted, with every SAN the spec needs, and not due for renewal
  1  a problem was found (each with its code, e.g. CERT_MISSING_SAN, and the fix; \`kubeha explain CODE\`)
  2  bad input (spec, arguments; a spec without control-plane hosts)
  3  a host could not be reached or trusted`,
    )
    .action(async (spec: string, opts: CheckOptions) => {
      process.exitCode = await checkCommand(spec, opts);
    });
  addReachOptions(
    certs
      .command('renew')
      .description('Re-issue the certificates that are due (within 90 days of expiry, or wrong for the spec), or --all, then write them and restart what reads them, as apply does.')
      .argument('<spec>', 'cluster spec (YAML)')
      .option('--all', 'every leaf certificate, with new keys (never the CAs or the service-account key)')
      .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)')
      .addOption(new Option('--output <format>', 'text or json (NDJSON apply events)').choices(['text', 'json']).default('text')),
  )
    .addHelpText(
      'after',
      `
The new certificates are saved in <state-dir>/pki first; then the hosts get them through the apply path (every
phase but packages): only changed files are written, and the units that read them are restarted.

Exit codes:
  0  renewed and written (or nothing was due)
  1  a step failed on at least one host
  2  bad input (spec, arguments, not confirmed)
  3  a host could not be reached or trusted, and nothing else failed
  130  interrupted`,
    )
    .action(async (spec: string, opts: RenewOptions) => {
      process.exitCode = await renewCommand(spec, opts, Math.round(performance.timeOrigin));
    });
}
