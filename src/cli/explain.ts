import { Option, type Command } from 'commander';
import { scenarioCodes } from '../analyze/index.js';
import { allRules } from '../analyze/rules/index.js';
import { allCodes, catalogEntry, explanation, type CatalogGroup, type Code } from '../diag/catalog.js';
import { didYouMean } from '../diag/diagnostic.js';
import { InputError } from '../diag/errors.js';

const HELP = `
CODE is any code kubeha prints: an analysis rule (vrrp-auth-mismatch), a spec, import, parser or mirror
diagnostic (SPEC_DUPLICATE_ADDRESS, IMPORT_PLAINTEXT_PASSWORD, KA_UNKNOWN_KEYWORD, MIRROR_NO_HOSTS), or a
command's own (KUBEHA_FILE_NOT_FOUND, LAB_EXISTS).

Examples:
  $ kubeha explain --list
  $ kubeha explain vrrp-positive-weight-below-gap
  $ kubeha explain SPEC_DUPLICATE_ADDRESS
  $ kubeha explain haproxy-httpchk-no-ssl --output json`;

/** The headings of `kubeha explain --list`, one per catalog group. */
const GROUP_TITLES: Readonly<Record<CatalogGroup, string>> = {
  spec: 'spec (kubeha check: YAML, schema, spec rules)',
  import: 'import (kubeha import kubekey|ansible)',
  haproxy: 'haproxy.cfg parser',
  keepalived: 'keepalived.conf parser',
  mirror: 'mirror DIR (hosts.yaml, sysctl.d)',
  analysis: 'HA analysis (kubeha check, kubeha analyze)',
  pki: 'certificates (kubeha certs check|renew, kubeha kubeconfig)',
  command: 'commands (arguments, files, lab, bundle)',
  drill: 'drills (kubeha drill: prediction against measurement)',
};

interface CodeInfo {
  id: Code;
  severity: string;
  title: string;
  /** The why, the source and the fix, as `kubeha explain` prints them. */
  explain: string;
  source: string;
  fix: string;
  group: CatalogGroup;
}

function infoOf(id: Code, group: CatalogGroup): CodeInfo {
  const e = catalogEntry(id);
  return { id, severity: e.severity, title: e.title, explain: explanation(id), source: e.source, fix: e.fix, group };
}

/** Every code of the catalog, in `--list` order. */
export function codeCatalog(): CodeInfo[] {
  return allCodes().map(({ code, group }) => infoOf(code, group));
}

/** The analysis rules and the scenario findings: the table of docs/analysis.md. */
export function ruleCatalog(): CodeInfo[] {
  return [...allRules.map((r) => r.id), ...scenarioCodes].map((id) => infoOf(id, 'analysis'));
}

export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description("Print a code's why, its source and the fix (or list every code kubeha can print).")
    .argument('[code]', 'a rule id or diagnostic code, as printed in brackets: error[CODE]')
    .option('-l, --list', 'list every code, grouped')
    .addOption(new Option('--output <format>', 'text, json or md (md: the rule table of docs/analysis.md)').choices(['text', 'json', 'md']).default('text'))
    .addHelpText('after', HELP)
    .action((id: string | undefined, opts: { list?: boolean; output: string }) => {
      if (opts.output === 'md') return void process.stdout.write(ruleTableMarkdown() + '\n');
      process.stdout.write(explainText(id, opts.list === true, opts.output === 'json') + '\n');
    });
}

/** The text `kubeha explain` prints; throws InputError for an unknown code (exit 2). */
export function explainText(id: string | undefined, list: boolean, json: boolean): string {
  const codes = codeCatalog();
  if (list || id === undefined) {
    if (json) return JSON.stringify(codes.map(({ id: i, severity, title, group }) => ({ id: i, severity, title, group })), null, 2);
    const w = Math.max(...codes.map((r) => r.id.length));
    const out: string[] = [];
    for (const [group, heading] of Object.entries(GROUP_TITLES)) {
      out.push(`${out.length > 0 ? '\n' : ''}# ${heading}`);
      for (const r of codes) if (r.group === group) out.push(`${r.id.padEnd(w)}  ${r.severity.padEnd(7)}  ${r.title}`);
    }
    return out.join('\n');
  }
  const r = codes.find((x) => x.id === id) ?? codes.find((x) => x.id.toLowerCase() === id.toLowerCase());
  if (!r) {
    const ids = codes.map((x) => x.id);
    // Edit distance first; then a code that shares the longest prefix (ids are long, typos are partial).
    const near = didYouMean(id, ids) ?? longestPrefixMatch(id, ids);
    throw new InputError([
      { code: 'E_UNKNOWN_RULE', severity: 'error', message: `unknown code '${id}'`, hint: near ? `did you mean '${near}'? (kubeha explain --list shows every code)` : 'kubeha explain --list shows every code' },
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
