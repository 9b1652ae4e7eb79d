/**
 * The catalog of every code kubeha can print: one closed union (`Code`), and for each code its usual severity,
 * a one-line why, the source it rests on and the fix. `kubeha explain CODE` prints an entry; a problem whose
 * code is not here does not compile, and test/diag/catalog.test.ts finds codes written as plain strings.
 */
import { ANALYSIS_CODES } from './catalog/analysis.js';
import { explanationOf, type CatalogEntry } from './catalog/entry.js';
import { DRILL_CODES } from './catalog/drill.js';
import { IMPORT_CODES } from './catalog/import.js';
import { HAPROXY_CODES, KEEPALIVED_CODES, MIRROR_CODES } from './catalog/parse.js';
import { PKI_CODES } from './catalog/pki.js';
import { SHELL_CODES } from './catalog/shell.js';
import { SPEC_CODES } from './catalog/spec.js';

export type { CatalogEntry } from './catalog/entry.js';

/** The catalog in groups, in the order `kubeha explain --list` prints them. */
export const CATALOG_GROUPS = {
  spec: SPEC_CODES,
  import: IMPORT_CODES,
  haproxy: HAPROXY_CODES,
  keepalived: KEEPALIVED_CODES,
  mirror: MIRROR_CODES,
  analysis: ANALYSIS_CODES,
  pki: PKI_CODES,
  command: SHELL_CODES,
  drill: DRILL_CODES,
} as const;

export const CATALOG = {
  ...SPEC_CODES,
  ...IMPORT_CODES,
  ...HAPROXY_CODES,
  ...KEEPALIVED_CODES,
  ...MIRROR_CODES,
  ...ANALYSIS_CODES,
  ...PKI_CODES,
  ...SHELL_CODES,
  ...DRILL_CODES,
} as const satisfies Readonly<Record<string, CatalogEntry>>;

/** Every code any command can print. */
export type Code = keyof typeof CATALOG;
/** The codes of the analysis rules and findings (kebab-case, printed in `rule` of the JSON reports). */
export type AnalysisCode = keyof typeof ANALYSIS_CODES;
export type CatalogGroup = keyof typeof CATALOG_GROUPS;

export function isCode(s: string): s is Code {
  return Object.hasOwn(CATALOG, s);
}

export function catalogEntry(code: Code): CatalogEntry {
  return CATALOG[code];
}

/** Every code with its group, in catalog order. */
export function allCodes(): { code: Code; group: CatalogGroup; entry: CatalogEntry }[] {
  return (Object.entries(CATALOG_GROUPS) as [CatalogGroup, Readonly<Record<string, CatalogEntry>>][]).flatMap(([group, entries]) =>
    Object.entries(entries).map(([code, entry]) => ({ code: code as Code, group, entry })),
  );
}

/** The explanation `kubeha explain` prints: the long why (or the title), the source and the fix. */
export function explanation(code: Code): string {
  return explanationOf(CATALOG[code]);
}
