import type { Severity } from '../problem.js';

/** What `kubeha explain CODE` says about one code. */
export interface CatalogEntry {
  /** The severity the code is usually reported with (a few codes are milder in some contexts, e.g. external LBs). */
  severity: Severity;
  /** One line: what is wrong and why it matters. */
  title: string;
  /** A longer why, where one line cannot carry it (the analysis rules). */
  detail?: string;
  /** The documented fact or source code the problem rests on. */
  source: string;
  /** How to fix it. */
  fix: string;
}

/** The explanation `kubeha explain` prints: the long why (or the title), the source and the fix. */
export function explanationOf(e: CatalogEntry): string {
  return [e.detail, `Source: ${e.source}`, `Fix: ${e.fix}`].filter((l) => l !== undefined).join('\n');
}

/** Shorthands that keep one entry on one line. */
export const error = (title: string, source: string, fix: string): CatalogEntry => ({ severity: 'error', title, source, fix });
export const warning = (title: string, source: string, fix: string): CatalogEntry => ({ severity: 'warning', title, source, fix });
export const info = (title: string, source: string, fix: string): CatalogEntry => ({ severity: 'info', title, source, fix });

/** Sources that many entries rest on. */
export const KA_MAN = 'https://keepalived.org/manpage.html (keepalived.conf(5))';
export const HAPROXY_DOC = 'https://docs.haproxy.org/2.6/configuration.html';
export const SPEC_DOC = 'docs/spec.md (the kubeha spec reference)';
export const SCHEMA = 'the spec schema (src/cluster-spec/schema.ts, `kubeha schema`)';
export const IMPORT_DOC = 'docs/import.md (what the importers map and guarantee)';
export const MIRROR_DOC = 'docs/parsers.md (the mirror DIR layout: hosts.yaml and one folder per host)';
export const LAB_DOC = 'docs/lab.md (one L2 segment of systemd-nspawn hosts on this machine)';
