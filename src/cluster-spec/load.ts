import { type Document, type YAMLError } from 'yaml';
import { parseYamlDocuments } from '../diag/yaml-keys.js';
import { plainYaml } from '../diag/yaml-plain.js';
import { z } from 'zod';
import type { Code } from '../diag/catalog.js';
import { attachExcerpt, didYouMean, hasErrors, LineIndex, type Diagnostic } from '../diag/diagnostic.js';
import { capPerCode } from '../diag/collector.js';
import { applyDefaults } from './defaults.js';
import { yamlHint, yamlMessage } from '../diag/yaml-message.js';
import { aliasProblem, MAX_YAML_ALIAS_COUNT } from '../diag/yaml-aliases.js';
import { YamlLocator, type SpecPath, type Span } from './locate.js';
import { runSpecRules, type RuleOptions } from './rules.js';
import { SpecSchema, type SpecInput } from './schema.js';
import type { ClusterSpec } from './types.js';

/**
 * Loading a spec, in stages: YAML syntax → schema → defaults → named rules.
 * Pure: the shell (src/cli/io.ts) reads the file and hands the text in. Never throws on bad input.
 */

export interface ParseSpecResult {
  /** The spec with defaults; undefined when any diagnostic is an error. */
  spec?: ClusterSpec;
  /** What the user wrote, schema-valid; undefined when YAML or schema failed. */
  input?: SpecInput;
  /** Errors first, then warnings and infos; each in source order. */
  diagnostics: Diagnostic[];
}

export const API_VERSION = 'kubeha.io/v1alpha1';

/** `options.force` (`--force` of check, plan, apply): errors a rule marks as forcible become warnings. */
export function parseSpec(text: string, file: string, options: RuleOptions = {}): ParseSpecResult {
  return parseCleanSpecFast(text) ?? parseSpecWithPositions(text, file, options);
}

/**
 * The common case, a clean spec, without source positions: js-yaml builds plain values ~4× faster than eemeli/yaml
 * builds its position-carrying document (a 5 000-host spec: 60 vs 240 ms CPU). Positions are only needed to point
 * a diagnostic at the source, so as soon as anything is off (a YAML error, an alias or merge key, a schema issue, any
 * rule finding) this returns undefined and the positioned path runs from the start: every diagnostic comes from one
 * engine, eemeli/yaml. Both engines read YAML 1.2 with the core schema; test/cluster-spec/load-fast.test.ts holds them to the
 * same values on the example specs, the bad-input corpus and generated specs.
 */
export function parseCleanSpecFast(text: string): ParseSpecResult | undefined {
  // Texts the two engines may read differently, aliases and any YAML error take the positioned path (src/diag/yaml-plain.ts).
  const data = plainYaml(text);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const parsed = SpecSchema.safeParse(withoutExtensionKeys(data));
  if (!parsed.success) return undefined;
  const input = parsed.data;
  const spec = applyDefaults(input);
  if (runSpecRules(input, spec).length > 0) return undefined;
  return { spec, input, diagnostics: [] };
}

/** Every stage on eemeli/yaml's document, so that each diagnostic points at its line and column. */
export function parseSpecWithPositions(text: string, file: string, options: RuleOptions = {}): ParseSpecResult {
  const index = new LineIndex(text);
  const finish = (ds: Diagnostic[], extra: Omit<ParseSpecResult, 'diagnostics'> = {}): ParseSpecResult => ({
    ...extra,
    diagnostics: capPerCode(sortDiagnostics(ds)).map((d) => attachExcerpt({ ...d, file }, index)),
  });

  // Stage 1: YAML syntax.
  // merge: YAML merge keys (`<<: *defaults`), which kubectl, docker compose and ansible users expect to work.
  // Merge-key resolution tests every key of every map; a text without `<<` has none to resolve (-20 % on big specs).
  const docs = parseYamlDocuments(text, { prettyErrors: false, merge: text.includes('<<') });
  if (!Array.isArray(docs) || docs.length === 0 || docs.every((d) => d.contents === null)) {
    return finish([emptySpec(index)]);
  }
  const syntax: Diagnostic[] = [];
  for (const doc of docs) for (const e of doc.errors) syntax.push(yamlDiagnostic(e, index));
  if (syntax.length > 0) return finish(syntax);
  const doc = docs[0] as Document.Parsed;
  if (docs.length > 1) {
    const second = docs[1];
    const at = index.position(second?.range[0] ?? 0);
    return finish([
      {
        code: 'SPEC_YAML_MULTIPLE_DOCUMENTS',
        severity: 'error',
        message: `the file holds ${docs.length} YAML documents; a spec is one document`,
        ...at,
        length: 3,
        hint: 'keep one cluster per file: remove the `---` and what follows, or split it into several files',
      },
    ]);
  }
  const aliases = aliasProblem(doc);
  if (aliases) {
    return finish([
      {
        code: 'SPEC_YAML_ALIAS',
        severity: 'error',
        message: `YAML alias error: ${aliases.message}`,
        ...index.position(aliases.offset),
        length: aliases.length,
        hint: 'define each &anchor before its *alias, never inside the anchored node, and do not nest aliases to blow up the document',
      },
    ]);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT });
  } catch (err) {
    return finish([
      {
        code: 'SPEC_YAML_ALIAS',
        severity: 'error',
        message: `YAML alias error: ${err instanceof Error ? err.message : String(err)}`,
        ...index.position(doc.range[0]),
        hint: 'define each &anchor before its *alias, and do not nest aliases to blow up the document',
      },
    ]);
  }
  if (data === null || data === undefined) return finish([emptySpec(index)]);
  data = withoutExtensionKeys(data);
  const locator = new YamlLocator(doc, index);

  // Stage 2: schema.
  const parsed = SpecSchema.safeParse(data);
  if (!parsed.success) {
    const typos = misspelledKeys(parsed.error.issues);
    return finish(parsed.error.issues.flatMap((issue) => schemaDiagnostics(issue, data, locator, typos)));
  }
  const input = parsed.data;

  // Stages 3 and 4: defaults, then the named rules.
  const spec = applyDefaults(input);
  const ruled = runSpecRules(
    input,
    spec,
    {
      value: (path) => locator.value(path),
      key: (path, key) => locator.key(path, key),
    },
    undefined,
    options,
  );
  const out = finish(ruled, { input });
  if (!hasErrors(out.diagnostics)) out.spec = spec;
  return out;
}

/**
 * Top-level keys starting with `x-` are the user's own (docker compose's convention): a place for
 * `&anchors` that hosts merge with `<<: *anchor`. They are dropped before the schema; everything else stays strict.
 */
export const EXTENSION_KEY = /^x-/;

function withoutExtensionKeys(data: unknown): unknown {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return data;
  return Object.fromEntries(Object.entries(data).filter(([k]) => !EXTENSION_KEY.test(k)));
}

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return ds
    .map((d, i) => ({ d, i }))
    .sort((a, b) => SEVERITY_ORDER[a.d.severity] - SEVERITY_ORDER[b.d.severity] || (a.d.line ?? 0) - (b.d.line ?? 0) || a.i - b.i)
    .map(({ d }) => d);
}

function emptySpec(index: LineIndex): Diagnostic {
  void index;
  return {
    code: 'SPEC_EMPTY',
    severity: 'error',
    message: 'the spec is empty (only comments or blank lines)',
    line: 1,
    col: 1,
    hint: 'write a spec: `kubeha init > cluster.yaml` prints a commented example',
  };
}

/** The spec's code for each eemeli/yaml error code; anything else is SPEC_YAML_SYNTAX. */
const YAML_CODES: Readonly<Record<string, Code>> = { TAB_AS_INDENT: 'SPEC_YAML_TAB_INDENT', DUPLICATE_KEY: 'SPEC_YAML_DUPLICATE_KEY' };

/** The key written at `offset` (a sticky match: no copy of the rest of the text per duplicate). */
function duplicateKeyText(text: string, offset: number): string | undefined {
  const re = /["']?([^"':\n]{1,200})/y;
  re.lastIndex = offset;
  return re.exec(text)?.[1]?.trim();
}

function yamlDiagnostic(e: YAMLError, index: LineIndex): Diagnostic {
  const code = YAML_CODES[e.code] ?? 'SPEC_YAML_SYNTAX';
  const hint = yamlHint(e.code);
  const at = index.position(Math.min(e.pos[0], Math.max(0, index.text.length)));
  const key = e.code === 'DUPLICATE_KEY' ? duplicateKeyText(index.text, e.pos[0]) : undefined;
  return {
    code,
    severity: 'error',
    message: key ? `duplicate key "${key}" in this mapping` : yamlMessage(e.message),
    ...at,
    length: key ? key.length : Math.max(1, e.pos[1] - e.pos[0]),
    hint,
  };
}

// ---------------------------------------------------------------------------------------------
// Stage 2: zod issues → diagnostics at the YAML node.

type Issue = z.core.$ZodIssue;

/** `hosts[0].address` */
export function formatPath(path: SpecPath): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out === '' ? 'the spec' : out;
}

function valueAt(data: unknown, path: SpecPath): unknown {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

/** "the number 1", "the string \"abc\"", "a list", … */
export function describeValue(v: unknown): string {
  if (v === null) return 'an empty value (null)';
  if (Array.isArray(v)) return 'a list';
  switch (typeof v) {
    case 'string':
      return `the string "${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
    case 'number':
      return `the number ${v}`;
    case 'boolean':
      return `the boolean ${v}`;
    case 'object':
      return 'a mapping';
    default:
      return typeof v;
  }
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping (key: value)',
  record: 'a mapping (key: value)',
};

/** The zod schema at a path of the spec, unwrapping optionals; undefined past a leaf. */
function schemaAt(path: SpecPath): z.ZodType | undefined {
  let s: z.ZodType | undefined = SpecSchema;
  for (const seg of path) {
    s = unwrap(s);
    if (s instanceof z.ZodObject && typeof seg === 'string') s = (s.shape as Record<string, z.ZodType>)[seg];
    else if (s instanceof z.ZodArray && typeof seg === 'number') s = s.element as z.ZodType;
    else if (s instanceof z.ZodRecord) s = s.valueType as z.ZodType;
    else return undefined;
  }
  return unwrap(s);
}

function unwrap(s: z.ZodType | undefined): z.ZodType | undefined {
  let cur = s;
  while (cur instanceof z.ZodOptional || cur instanceof z.ZodDefault) cur = cur.unwrap() as z.ZodType;
  return cur;
}

function hostOf(data: unknown, path: SpecPath): string | undefined {
  if (path[0] !== 'hosts' || typeof path[1] !== 'number') return undefined;
  const name = valueAt(data, ['hosts', path[1], 'name']);
  return typeof name === 'string' ? name : undefined;
}

const issuePath = (issue: Issue): SpecPath => issue.path.filter((p): p is string | number => typeof p !== 'symbol');

/** Allowed keys of the object at `path` (strict objects of the schema). */
function allowedKeys(path: SpecPath): string[] {
  return Object.keys((schemaAt(path) as z.ZodObject | undefined)?.shape ?? {});
}

/**
 * `parent|key` for every allowed key that an unknown key is a typo of (`hostz` → `hosts`): the required field
 * it misses is the same mistake, reported once at the typo instead of twice.
 */
function misspelledKeys(issues: readonly Issue[]): Set<string> {
  const out = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const path = issuePath(issue);
    for (const k of issue.keys) {
      const guess = didYouMean(k, allowedKeys(path));
      if (guess) out.add(`${formatPath(path)}|${guess}`);
    }
  }
  return out;
}

function schemaDiagnostics(issue: Issue, data: unknown, loc: YamlLocator, typos: ReadonlySet<string> = new Set()): Diagnostic[] {
  const path = issuePath(issue);
  const where = formatPath(path);
  const got = valueAt(data, path);
  const host = hostOf(data, path);
  const base = (code: Code, message: string, hint: string, span: Span = loc.value(path)): Diagnostic => ({
    code,
    severity: 'error',
    message,
    ...span,
    hint,
    ...(host !== undefined ? { host } : {}),
  });
  const last = path[path.length - 1];

  // A required field that is absent (zod reports it as a type or enum mismatch of `undefined`).
  if (got === undefined && path.length > 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union')) {
    const field = String(last);
    const parent = path.slice(0, -1);
    // Reported at the typo ("did you mean") instead.
    if (typos.has(`${formatPath(parent)}|${field}`)) return [];
    const expected =
      issue.code === 'invalid_type'
        ? (TYPE_WORDS[issue.expected] ?? issue.expected)
        : issue.code === 'invalid_value'
          ? `one of ${issue.values.map(String).join(', ')}`
          : 'see `kubeha schema`';
    const desc = schemaAt(path)?.description;
    return [
      base(
        'SPEC_MISSING_FIELD',
        `missing required field "${field}" in ${parent.length === 0 ? 'the spec' : formatPath(parent)}`,
        `add \`${field}:\` (${expected})${desc ? `: ${desc}` : ''}`,
        loc.value(parent),
      ),
    ];
  }

  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeys(path);
      return issue.keys.map((k) => {
        const guess = didYouMean(k, allowed);
        return base(
          'SPEC_UNKNOWN_KEY',
          `unknown key "${k}" in ${path.length === 0 ? 'the top level of the spec' : where}`,
          guess
            ? `did you mean "${guess}"? (keys are case-sensitive)`
            : `allowed keys here: ${allowed.join(', ')}${path.length === 0 ? '; keys of your own (e.g. a home for YAML anchors) start with x-' : ''}`,
          loc.key(path, k),
        );
      });
    }
    case 'invalid_type': {
      const expected = TYPE_WORDS[issue.expected] ?? issue.expected;
      return [base('SPEC_WRONG_TYPE', `${where}: expected ${expected}, got ${describeValue(got)}`, typeHint(issue.expected, got, loc.sourceText(path)))];
    }
    case 'invalid_value': {
      const values = issue.values.map((v) => String(v));
      if (path.length === 1 && last === 'apiVersion') {
        return [base('SPEC_BAD_API_VERSION', `unsupported apiVersion ${JSON.stringify(got)}`, `this kubeha reads apiVersion: ${API_VERSION}`)];
      }
      if (path.length === 1 && last === 'kind') {
        return [base('SPEC_BAD_KIND', `unsupported kind ${JSON.stringify(got)}`, 'a kubeha spec has kind: Cluster')];
      }
      const guess = typeof got === 'string' ? didYouMean(got, values) : undefined;
      return [
        base(
          'SPEC_INVALID_VALUE',
          `${where}: ${describeValue(got)} is not one of ${values.join(', ')}`,
          guess ? `did you mean "${guess}"?` : `use one of: ${values.join(', ')}`,
        ),
      ];
    }
    case 'too_big':
    case 'too_small': {
      if (issue.origin === 'array') {
        const code = path.length === 1 && last === 'hosts' ? 'SPEC_NO_HOSTS' : 'SPEC_OUT_OF_RANGE';
        return [base(code, `${where}: needs at least ${String(issue.code === 'too_small' ? issue.minimum : 0)} item(s)`, 'add at least one entry')];
      }
      if (issue.origin === 'string') {
        return [base('SPEC_BAD_FORMAT', `${where}: ${issue.message}`, 'shorten or complete the value')];
      }
      const isPort = typeof last === 'string' && /port$/i.test(last);
      // zod's positive() is an exclusive minimum of 0: "at least 0" would be wrong for 0 itself.
      const inclusive = !('inclusive' in issue) || issue.inclusive !== false;
      const bound = issue.code === 'too_big' ? `${inclusive ? 'at most' : 'less than'} ${String(issue.maximum)}` : `${inclusive ? 'at least' : 'greater than'} ${String(issue.minimum)}`;
      return [
        base(
          isPort ? 'SPEC_PORT_OUT_OF_RANGE' : 'SPEC_OUT_OF_RANGE',
          `${where}: ${describeValue(got)} is out of range (must be ${bound})`,
          isPort ? 'a TCP port is 1..65535' : `use a value ${bound}`,
        ),
      ];
    }
    case 'invalid_format': {
      const pattern = 'pattern' in issue ? String(issue.pattern) : '';
      if (pattern.includes('ms|s|m|h|d')) {
        return [base('SPEC_BAD_DURATION', `${where}: ${describeValue(got)} is not a duration`, 'write a whole number with a unit: 500ms, 2s, 5m, 4h or 1d')];
      }
      if (last === 'name') {
        return [base('SPEC_BAD_NAME', `${where}: ${describeValue(got)} is not a valid name`, `names are DNS labels: ${issue.message}`)];
      }
      if (last === 'version') {
        return [base('SPEC_BAD_VERSION', `${where}: ${describeValue(got)} is not a Kubernetes version`, 'write a version such as v1.30.4')];
      }
      return [base('SPEC_BAD_FORMAT', `${where}: ${describeValue(got)}: ${issue.message}`, issue.message)];
    }
    case 'invalid_union': {
      const values = issue.errors.flat().flatMap((e) => (e.code === 'invalid_value' ? e.values.map(String) : []));
      if (values.length > 0) {
        return [base('SPEC_INVALID_VALUE', `${where}: ${describeValue(got)} is not one of ${values.join(', ')}`, `use one of: ${values.join(', ')}`)];
      }
      return [base('SPEC_INVALID_VALUE', `${where}: ${issue.message}`, 'see `kubeha schema` for the allowed values')];
    }
    default:
      return [base('SPEC_INVALID_VALUE', `${where}: ${issue.message}`, 'see docs/spec.md or `kubeha schema` for what this field accepts')];
  }
}

function typeHint(expected: string, got: unknown, written: string | undefined): string {
  if ((expected === 'number' || expected === 'int') && typeof got === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(got)) {
    return `remove the quotes: write ${got.trim()}, not "${got}"`;
  }
  if (expected === 'int' && typeof got === 'number') return `use a whole number, e.g. ${Math.round(got)}`;
  const src = written?.trim() || String(got);
  if (expected === 'string' && typeof got === 'number') return `quote it: "${src}" (YAML reads ${src} as the number ${got})`;
  if (expected === 'string' && typeof got === 'boolean') return `quote it: "${src}" (YAML reads true/false as booleans)`;
  if (expected === 'string' && got === null) return 'write a value after the colon, or remove the line';
  if (expected === 'boolean' && typeof got === 'string' && /^(yes|no|on|off|y|n)$/i.test(got)) {
    return `write ${/^(yes|on|y)$/i.test(got) ? 'true' : 'false'}: YAML 1.2 reads ${got} as a string, not a boolean`;
  }
  if (expected === 'array') return 'write a list: one `- item` per line, or [a, b]';
  if (expected === 'object' || expected === 'record') {
    return Array.isArray(got) ? 'write key: value lines here, not a list of `- items`' : 'write key: value lines indented under this key';
  }
  return `change the value to ${TYPE_WORDS[expected] ?? expected}`;
}
