import type { Command } from 'commander';
import { Option } from 'commander';
import type { Finding, Report } from '../analyze/types.js';
import { hasErrors } from '../diag/diagnostic.js';
import { InputError } from '../diag/errors.js';
import { renderDiagnostic } from '../diag/render.js';
import { checkReport, diagnosticToFinding } from '../ops/check.js';
import { ExitCode } from './exit-codes.js';
import { readSpecFile } from './io.js';
import { FORCE_HELP } from './reach-options.js';

/** `kubeha check cluster.yaml`: validates a spec and reports its findings (src/ops/check.ts). */

export function summaryLine(report: Report, file: string): string {
  const n = (s: Finding['severity']): number => report.findings.filter((f) => f.severity === s).length;
  const e = n('error');
  const w = n('warning');
  const i = n('info');
  const verdict = e > 0 ? 'FAIL' : 'ok';
  return `${file}: ${verdict}: ${e} error(s), ${w} warning(s), ${i} info(s)`;
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('Validate a cluster spec and analyse what it renders: findings, and who holds the VIP and whether the API stays reachable after every single failure.')
    .argument('<spec>', 'the cluster spec (YAML), e.g. cluster.yaml')
    .addOption(new Option('--output <format>', 'text or json').choices(['text', 'json']).default('text'))
    .option('--force', FORCE_HELP)
    .addHelpText(
      'after',
      `
Examples:
  kubeha check cluster.yaml
  kubeha check cluster.yaml --output json | jq '.findings[] | select(.severity=="error")'
  kubeha check two-masters.yaml --force      # 2 etcd members: a warning instead of an error

Exit codes: 0 no error finding; 1 the analysis found errors; 2 the spec is invalid (unreadable, YAML,
schema or a spec rule error such as a duplicate address), diagnostics on stderr.
JSON: {"findings":[{"severity","rule","message","host?","file?","line?","col?","hint?"}],
       "scenarios":[{"failure","vipHolders","apiReachable","note","predictedOutageMs?"}]}`,
    )
    .action(async (file: string, opts: { output: 'text' | 'json'; force?: boolean }) => {
      const result = await readSpecFile(file, { force: opts.force === true });
      // Any error in the spec (YAML, schema or a spec rule) is bad input: exit 2, nothing analysed.
      if (!result.spec || hasErrors(result.diagnostics)) {
        if (opts.output === 'json') {
          process.stdout.write(JSON.stringify({ findings: result.diagnostics.map(diagnosticToFinding), scenarios: [] }, null, 2) + '\n');
        }
        throw new InputError(result.diagnostics);
      }
      const report = checkReport(result.spec, result.diagnostics);
      if (opts.output === 'json') {
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      } else {
        // Spec warnings keep their caret excerpts; analysis findings are rendered from the finding.
        const analysis = report.findings.slice(result.diagnostics.length);
        const lines = [...result.diagnostics.map(renderDiagnostic), ...analysis.map((f) => renderFinding(f, file))];
        if (lines.length > 0) process.stdout.write(lines.join('\n') + '\n');
        process.stdout.write(summaryLine(report, file) + '\n');
      }
      process.exitCode = report.findings.some((f) => f.severity === 'error') ? ExitCode.Findings : ExitCode.Ok;
    });
}

/** A finding as a diagnostic line; one about the cluster as a whole (no file of its own) is shown at the spec file. */
export function renderFinding(f: Finding, specFile: string): string {
  return renderDiagnostic({
    code: f.rule,
    severity: f.severity,
    message: f.message,
    file: f.file ?? specFile,
    ...(f.line !== undefined ? { line: f.line } : {}),
    ...(f.col !== undefined ? { col: f.col } : {}),
    ...(f.hint !== undefined ? { hint: f.hint } : {}),
  });
}
