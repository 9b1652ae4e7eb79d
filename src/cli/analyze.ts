import { Option, type Command } from 'commander';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeModel } from '../analyze/index.js';
import { renderReport, type OutputFormat } from '../analyze/report.js';
import { hasErrors, type Diagnostic } from '../diag/diagnostic.js';
import { renderDiagnostics } from '../diag/render.js';
import { InputError } from '../diag/errors.js';
import { SecretScrubber } from '../diag/secrets.js';
import type { FileSource } from '../parse/file-source.js';
import { loadMirror } from '../parse/mirror.js';
import { dirFileSource } from './dir-source.js';
import { ExitCode } from './exit-codes.js';
import { addReachOptions, type ReachOptions } from './reach-options.js';

export interface AnalyzeFromOptions extends ReachOptions {
  output: OutputFormat;
  /** Keep the collected mirror here (default: a temporary directory, removed afterwards). */
  mirror?: string;
}

const HELP = `
DIR is a mirror of the hosts' files:
  DIR/hosts.yaml                      endpoint: <address>:<port>, domain: <name> (optional), hosts: [{name, address}]
  DIR/<host>/etc/haproxy/haproxy.cfg
  DIR/<host>/etc/keepalived/keepalived.conf (+ the check scripts and track files it names)
  DIR/<host>/etc/sysctl.d/*.conf
  DIR/<host>/etc/hosts                (optional: how the host resolves the endpoint domain)
  DIR/<host>/etc/systemd/system/<unit>.d/*.conf (optional: files the unit hooks write, e.g. a track_file)

Examples:
  $ kubeha analyze test/fixtures/seeds/seed-000
  $ kubeha analyze ./mirror --output json | jq '.scenarios[] | select(.apiReachable == false)'
  $ kubeha analyze ./mirror --output md > ha-report.md
  $ kubeha explain vrrp-positive-weight-below-gap

Exit codes: 0 no error finding, 1 error findings, 2 bad input (unreadable DIR or manifest).`;

const FROM_HELP = `

From running hosts (over SSH, read-only; lab hosts are reached through the lab's taskbox):
  $ kubeha analyze --from cluster.yaml
  $ kubeha analyze --from cluster.yaml --mirror ./running --output json`;

export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description('Analyse configs people already run (a mirror DIR of haproxy.cfg, keepalived.conf, scripts): rules plus every single-failure scenario.')
    .argument('[dir]', 'mirror directory with hosts.yaml')
    .addOption(new Option('--output <format>', 'output format').choices(['text', 'json', 'md']).default('text'))
    // --from: collect the running files over SSH (src/ops/collect-running.ts).
    .option('--from <spec>', 'collect the files the hosts of this spec RUN (over SSH, read-only) and analyse them; drift from the rendered files is a finding')
    .option('--mirror <dir>', 'with --from: keep the collected files here, a new or empty directory (default: a temporary directory)')
    .addHelpText('after', HELP + FROM_HELP)
    .action(async (dir: string | undefined, opts: AnalyzeFromOptions & { from?: string }) => {
      if (opts.from) process.exitCode = await runAnalyzeFrom(opts.from, opts);
      else if (dir === undefined) throw new InputError([{ code: 'E_ARG', severity: 'error', message: 'analyze needs a mirror DIR or --from SPEC', hint: 'kubeha analyze ./mirror, or kubeha analyze --from cluster.yaml' }]);
      else process.exitCode = runAnalyze(dir, opts.output, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
    });
  const cmd = program.commands.find((c) => c.name() === 'analyze');
  if (cmd) addReachOptions(cmd);
}

/** The command body, with output callbacks so tests can run it in-process. Throws InputError on bad input. */
export function runAnalyze(dir: string, format: OutputFormat, out: (s: string) => void, err: (s: string) => void): number {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir)
    throw new InputError([{ code: 'E_MIRROR_DIR', severity: 'error', message: `${dir} is not a directory`, file: dir, hint: 'pass a mirror directory containing hosts.yaml (see kubeha analyze --help)' }]);
  const secrets = new SecretScrubber();
  const loaded = loadMirror(withSecretsOf(dirFileSource(dir), secrets));
  const diags: Diagnostic[] = loaded.diagnostics.map((d) => scrubbed({ ...d, file: d.file ? `${dir.replace(/\/+$/, '')}${d.file.startsWith('/') ? '' : '/'}${d.file}` : d.file }, secrets));
  // Configs the real tools would reject are bad input: report them, analyse nothing.
  if (!loaded.model || hasErrors(diags)) throw new InputError(diags.filter((d) => d.severity !== 'info'));
  const shown = diags.filter((d) => d.severity !== 'info');
  if (shown.length > 0) err(secrets.scrub(renderDiagnostics(shown)) + '\n');
  const report = analyzeModel(loaded.model);
  const prefix = dir.replace(/\/+$/, '');
  for (const f of report.findings) if (f.file && f.file.startsWith('/')) f.file = `${prefix}${f.file}`;
  // Findings are built from parsed values: no secret of the mirror's files reaches the report, whatever a rule quotes.
  out(secrets.scrub(renderReport(report, format)) + '\n');
  return report.findings.some((f) => f.severity === 'error') ? ExitCode.Findings : ExitCode.Ok;
}

/**
 * `kubeha analyze --from cluster.yaml`: collect the files the hosts actually run (src/ops/collect-running.ts), analyse
 * the mirror like `kubeha analyze DIR`, and put the drift findings first. Its code (SSH included) is loaded only here,
 * so that `kubeha analyze DIR` does not load it.
 */
export async function runAnalyzeFrom(specPath: string, opts: AnalyzeFromOptions): Promise<number> {
  const [{ openReach, errorText }, { collectRunning, checkCollectDir }] = await Promise.all([import('./reach.js'), import('../ops/collect-running.js')]);
  // Before any host is reached: --mirror must be new or empty, and no link.
  if (opts.mirror !== undefined) checkCollectDir(opts.mirror);
  const session = await openReach(specPath, opts);
  const dir = opts.mirror ?? (await mkdtemp(join(tmpdir(), 'kubeha-running-')));
  try {
    const findings = await collectRunning(session, dir, errorText);
    const secrets = new SecretScrubber();
    const loaded = loadMirror(withSecretsOf(dirFileSource(dir), secrets));
    if (!loaded.model || hasErrors(loaded.diagnostics)) {
      // The running configs do not parse: that is what the hosts run, so show it as such.
      throw new InputError(loaded.diagnostics.filter((d) => d.severity !== 'info').map((d) => scrubbed({ ...d, file: d.file ? `${dir}${d.file.startsWith('/') ? '' : '/'}${d.file}` : d.file }, secrets)));
    }
    const warnings = loaded.diagnostics.filter((d) => d.severity === 'warning');
    if (warnings.length) process.stderr.write(secrets.scrub(renderDiagnostics(warnings)) + '\n');
    const report = analyzeModel(loaded.model);
    report.findings.unshift(...findings);
    process.stdout.write(secrets.scrub(renderReport(report, opts.output)) + '\n');
    if (opts.mirror) process.stderr.write(`running files collected under ${dir}\n`);
    return report.findings.some((f) => f.severity === 'error') ? ExitCode.Findings : ExitCode.Ok;
  } finally {
    await session.close();
    if (!opts.mirror) await rm(dir, { recursive: true, force: true });
  }
}

/** The source, remembering the secrets of every file read (each file once). */
function withSecretsOf(source: FileSource, secrets: SecretScrubber): FileSource {
  const seen = new Set<string>();
  return {
    ...source,
    readFile(p) {
      const text = source.readFile(p);
      if (text !== undefined && !seen.has(p)) {
        seen.add(p);
        secrets.addText(text);
      }
      return text;
    },
  };
}

function scrubbed(d: Diagnostic, secrets: SecretScrubber): Diagnostic {
  const c: Diagnostic = { ...d, message: secrets.scrub(d.message) };
  if (d.hint !== undefined) c.hint = secrets.scrub(d.hint);
  if (d.excerpt !== undefined) c.excerpt = secrets.scrub(d.excerpt);
  return c;
}
