import type { Command } from 'commander';
import { scenarioRules } from '../analyze/index.js';
import { allRules } from '../analyze/rules/index.js';
import { didYouMean } from '../diag/diagnostic.js';
import { InputError } from '../diag/errors.js';

const HELP = `
Examples:
  $ kubeha explain --list
  $ kubeha explain vrrp-positive-weight-below-gap
  $ kubeha explain haproxy-httpchk-no-ssl --output json`;

interface RuleInfo {
  id: string;
  severity: string;
  title: string;
  explain: string;
}

export function ruleCatalog(): RuleInfo[] {
  return [...allRules, ...scenarioRules].map((r) => ({ id: r.id, severity: r.severity, title: r.title, explain: r.explain }));
}

export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description("Print a rule's why, its source and the fix (or list every rule).")
    .argument('[rule]', 'rule id, as printed in findings')
    .option('-l, --list', 'list every rule')
    .option('--output <format>', 'text, json or md (md: the rule table of docs/analysis.md)', 'text')
    .addHelpText('after', HELP)
    .action((id: string | undefined, opts: { list?: boolean; output: string }) => {
      if (opts.output === 'md') return void process.stdout.write(ruleTableMarkdown() + '\n');
      process.stdout.write(explainText(id, opts.list === true, opts.output === 'json') + '\n');
    });
}

/** The text `kubeha explain` prints; throws InputError for an unknown rule (exit 2). */
export function explainText(id: string | undefined, list: boolean, json: boolean): string {
  const rules = ruleCatalog();
  if (list || id === undefined) {
    if (json) return JSON.stringify(rules.map(({ id: i, severity, title }) => ({ id: i, severity, title })), null, 2);
    const w = Math.max(...rules.map((r) => r.id.length));
    return rules.map((r) => `${r.id.padEnd(w)}  ${r.severity.padEnd(7)}  ${r.title}`).join('\n');
  }
  const r = rules.find((x) => x.id === id);
  if (!r) {
    const ids = rules.map((x) => x.id);
    // Edit distance first; then a rule that shares the longest prefix (ids are long, typos are partial).
    const near = didYouMean(id, ids) ?? longestPrefixMatch(id, ids);
    throw new InputError([
      { code: 'E_UNKNOWN_RULE', severity: 'error', message: `unknown rule '${id}'`, hint: near ? `did you mean '${near}'? (kubeha explain --list shows every rule)` : 'kubeha explain --list shows every rule' },
    ]);
  }
  if (json) return JSON.stringify(r, null, 2);
  return `${r.id} (${r.severity}): ${r.title}\n\n${r.explain}`;
}

/** The rule table of docs/analysis.md (kept in sync by test/analyze/docs.test.ts). */
export function ruleTableMarkdown(): string {
  const rows = ruleCatalog().map((r) => `| \`${r.id}\` | ${r.severity} | ${r.title.replace(/\|/g, '\\|')} |`);
  return ['| Rule | Severity | What it catches |', '|---|---|---|', ...rows].join('\n');
}

function longestPrefixMatch(word: string, ids: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestLen = 0;
  for (const c of ids) {
    let n = 0;
    while (n < word.length && n < c.length && word[n] === c[n]) n++;
    if (n > bestLen) {
      bestLen = n;
      best = c;
    }
  }
  return bestLen >= Math.min(6, word.length) ? best : undefined;
}
