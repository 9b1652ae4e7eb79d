import { aliasesAreSafe } from '../import-aliases.js';
import { parseYamlDocuments } from '../../diag/yaml-keys.js';
import { isMap, isScalar, parse as parseYaml, type Document, type Pair } from 'yaml';
import { FileDiagnostics, expandAnsibleRange, isSecretKey } from '../import-common.js';
import { yamlHint, yamlMessage } from '../../diag/yaml-message.js';
import { entries, plain, posOf, scalarText, type At } from '../yaml-nodes.js';

/**
 * Reading an ansible inventory: the INI format (KubeSphere's `conf/hosts.ini`, kubespray's `inventory.ini`), the
 * YAML format (kubespray's `hosts.yaml`), and the vars file next to it, into hosts, groups and variables with
 * their positions. What they mean for the spec is decided in import.ts.
 */

/** A variable's value, with where it was written. */
export interface Value {
  value: string;
  at: At;
  file: 'inventory' | 'vars';
}
/** A host of the inventory: its own variables and (once resolved) every group it is in. */
export interface InvHost {
  name: string;
  at: At;
  vars: Map<string, Value>;
  groups: Set<string>;
}
/** A group of the inventory, from its `[name]`, `[name:children]` and `[name:vars]` sections. */
export interface InvGroup {
  name: string;
  /** Header position of its first section. */
  at?: At;
  hosts: { name: string; at: At }[];
  children: { name: string; at: At }[];
  vars: Map<string, Value>;
}

/** Hosts one inventory may list, ranges expanded (docs/security.md). */
export const MAX_INVENTORY_HOSTS = 10_000;

/** True (and an error at the line) when adding `adding` hosts would pass MAX_INVENTORY_HOSTS. */
function tooManyHosts(d: FileDiagnostics, hosts: Map<string, InvHost>, adding: number, at: At): boolean {
  if (hosts.size + adding <= MAX_INVENTORY_HOSTS) return false;
  d.error('IMPORT_TOO_LARGE', `the inventory lists more than ${MAX_INVENTORY_HOSTS} hosts (ranges expanded)`, at, 'import the control-plane, etcd and load-balancer hosts; kubeha bounds its work for any input (docs/security.md)');
  return true;
}

// --- the INI parser --------------------------------------------------------------------------------------

/** A word of a line with its 1-based column and length in the source. */
interface Word {
  text: string;
  col: number;
  length: number;
}

/** Splits a line like a shell: whitespace-separated, quotes group, `#` starts a comment at a word start. */
function words(line: string): Word[] | { error: string; col: number } {
  const out: Word[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i] ?? '')) i++;
    if (i >= line.length || line[i] === '#' || line[i] === ';') break;
    const start = i;
    let text = '';
    while (i < line.length && !/\s/.test(line[i] ?? '')) {
      const c = line[i] ?? '';
      if (c === '"' || c === "'") {
        const end = line.indexOf(c, i + 1);
        if (end < 0) return { error: `unterminated ${c === '"' ? 'double' : 'single'} quote`, col: i + 1 };
        text += line.slice(i + 1, end);
        i = end + 1;
      } else {
        text += c;
        i++;
      }
    }
    out.push({ text, col: start + 1, length: i - start });
  }
  return out;
}

export function parseInventory(d: FileDiagnostics): { hosts: Map<string, InvHost>; groups: Map<string, InvGroup> } {
  const hosts = new Map<string, InvHost>();
  const groups = new Map<string, InvGroup>();
  const group = (name: string, at?: At): InvGroup => {
    let g = groups.get(name);
    if (!g) {
      g = { name, hosts: [], children: [], vars: new Map() };
      groups.set(name, g);
    }
    if (at && !g.at) g.at = at;
    return g;
  };
  let section: { group: InvGroup; kind: 'hosts' | 'vars' | 'children' } = { group: group('ungrouped'), kind: 'hosts' };
  const lines = d.text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const raw = (lines[n] ?? '').replace(/\r$/, '');
    const lineNo = n + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    const indent = raw.length - raw.trimStart().length;
    if (trimmed.startsWith('[')) {
      const m = /^\[([^\]\s]+)\]\s*([#;].*)?$/.exec(trimmed);
      if (!m) {
        d.error('IMPORT_INI_SYNTAX', 'malformed section header', { line: lineNo, col: indent + 1, length: trimmed.length }, 'write a header as [group], [group:vars] or [group:children]');
        continue;
      }
      const header = m[1] ?? '';
      const at = { line: lineNo, col: indent + 1, length: header.length + 2 };
      const [gname = '', suffix, more] = header.split(':');
      if (more !== undefined || (suffix !== undefined && suffix !== 'vars' && suffix !== 'children') || gname === '') {
        d.error('IMPORT_INI_SYNTAX', `section [${header}]: the suffix must be :vars or :children`, at, 'write [group], [group:vars] or [group:children]');
        continue;
      }
      section = { group: group(gname, at), kind: suffix === 'vars' ? 'vars' : suffix === 'children' ? 'children' : 'hosts' };
      continue;
    }
    if (section.kind === 'vars') {
      const m = /^([A-Za-z_][\w.-]*)\s*=\s*(.*)$/.exec(trimmed);
      if (!m) {
        d.error('IMPORT_INI_SYNTAX', `a line of [${section.group.name}:vars] must be key=value`, { line: lineNo, col: indent + 1, length: trimmed.length }, 'write one variable per line: name=value');
        continue;
      }
      const key = m[1] ?? '';
      const valueText = stripComment(m[2] ?? '');
      const valueCol = indent + 1 + trimmed.indexOf(m[2] ?? '', key.length);
      section.group.vars.set(key, { value: unquote(valueText), at: { line: lineNo, col: valueCol, length: Math.max(1, valueText.length) }, file: 'inventory' });
      continue;
    }
    const ws = words(raw);
    if (!Array.isArray(ws)) {
      d.error('IMPORT_INI_SYNTAX', ws.error, { line: lineNo, col: ws.col }, 'close the quote');
      continue;
    }
    const [first, ...rest] = ws;
    if (!first) continue;
    if (section.kind === 'children') {
      if (rest.length > 0) {
        d.error('IMPORT_INI_SYNTAX', `a line of [${section.group.name}:children] names one group`, { line: lineNo, col: rest[0]?.col ?? 1, length: rest[0]?.length ?? 1 }, 'put one group name per line; host variables belong in [all]');
        continue;
      }
      section.group.children.push({ name: first.text, at: { line: lineNo, col: first.col, length: first.length } });
      continue;
    }
    // A host line: pattern[:port] key=value…
    let pattern = first.text;
    let port: string | undefined;
    const pm = /^([^:[\]]+(?:\[[^\]]*\][^:[\]]*)*):(\d+)$/.exec(pattern);
    if (pm) {
      pattern = pm[1] ?? pattern;
      port = pm[2];
    }
    const expanded = expandAnsibleRange(pattern);
    const firstAt = { line: lineNo, col: first.col, length: first.length };
    if (expanded !== undefined && !Array.isArray(expanded)) {
      d.error('IMPORT_INI_SYNTAX', `host pattern ${first.text}: ${expanded.error}`, firstAt, 'a range looks like node[01:03] or node[a:c]');
      continue;
    }
    if (/[=]/.test(pattern)) {
      d.error('IMPORT_INI_SYNTAX', `a host line starts with the host name, not ${first.text}`, firstAt, 'write: name key=value …');
      continue;
    }
    const vars = new Map<string, Value>();
    let bad = false;
    for (const w of rest) {
      const eq = w.text.indexOf('=');
      if (eq <= 0) {
        d.error('IMPORT_INI_SYNTAX', `"${w.text}" is not a key=value host variable`, { line: lineNo, col: w.col, length: w.length }, 'write host variables as key=value, without spaces around "="');
        bad = true;
        break;
      }
      const key = w.text.slice(0, eq);
      const value = w.text.slice(eq + 1);
      const rawEq = raw.indexOf('=', w.col - 1);
      vars.set(key, { value, at: { line: lineNo, col: rawEq + 2, length: Math.max(1, w.col - 1 + w.length - rawEq - 1) }, file: 'inventory' });
    }
    if (bad) continue;
    if (port !== undefined) vars.set('__port', { value: port, at: firstAt, file: 'inventory' });
    if (tooManyHosts(d, hosts, expanded?.length ?? 1, firstAt)) break;
    for (const name of expanded ?? [pattern]) {
      let h = hosts.get(name);
      if (!h) {
        h = { name, at: firstAt, vars: new Map(), groups: new Set() };
        hosts.set(name, h);
      }
      for (const [k, v] of vars) h.vars.set(k, v);
      section.group.hosts.push({ name, at: firstAt });
    }
  }
  return { hosts, groups };
}

/** A YAML inventory (`all: {hosts, children, vars}`) rather than INI: its first significant line is `key:`. */
export function looksLikeYaml(text: string): boolean {
  for (const raw of text.split('\n')) {
    const t = raw.trim();
    if (t === '' || t.startsWith('#') || t.startsWith(';')) continue;
    return t === '---' || /^[\w.-]+:(\s|$)/.test(t);
  }
  return false;
}

/**
 * ansible's YAML inventory format (kubespray's hosts.yaml): groups nest under `children`, each with `hosts`
 * (name → variables) and `vars`. Produces the same hosts/groups as the INI parser.
 */
export function parseYamlInventory(d: FileDiagnostics): { hosts: Map<string, InvHost>; groups: Map<string, InvGroup> } {
  const hosts = new Map<string, InvHost>();
  const groups = new Map<string, InvGroup>();
  const parsed = parseYamlDocuments(d.text, { prettyErrors: false });
  const docs: Document[] = Array.isArray(parsed) ? parsed : [];
  for (const doc of docs) {
    for (const err of doc.errors) {
      d.error('IMPORT_YAML_SYNTAX', yamlMessage(err.message), d.at(err.pos[0], Math.max(1, err.pos[1] - err.pos[0])), yamlHint(err.code));
    }
  }
  if (d.list.length === 0) aliasesAreSafe(docs, d);
  const doc = docs.find((x) => x.contents !== null);
  if (d.list.length > 0 || !doc) return { hosts, groups };
  if (!isMap(doc.contents)) {
    d.error('IMPORT_INI_SYNTAX', 'a YAML inventory is a mapping of groups (all: {hosts: …, children: …})', posOf(d, doc.contents), 'see the ansible inventory documentation, or use the INI format');
    return { hosts, groups };
  }
  const text = (node: unknown): string => {
    const s = scalarText(node);
    if (s !== undefined) return s;
    const v = plain(doc, node, d, '');
    return v === null || v === undefined ? '' : JSON.stringify(v);
  };
  const varsOf = (node: unknown): Map<string, Value> => {
    const out = new Map<string, Value>();
    for (const [k, pair] of entries(node)) {
      const at = posOf(d, pair.value) ?? posOf(d, pair.key) ?? { line: 1, col: 1, length: 1 };
      out.set(k, { value: isSecretKey(k) ? (scalarText(pair.value) ?? '') : text(pair.value), at, file: 'inventory' });
    }
    return out;
  };
  /** Opens group `name` (a `children` entry or a top-level key); false when its node is not a mapping. */
  const open = (name: string, keyNode: unknown, node: unknown): InvGroup | undefined => {
    const at = posOf(d, keyNode);
    let g = groups.get(name);
    if (!g) {
      g = { name, hosts: [], children: [], vars: new Map() };
      groups.set(name, g);
    }
    if (at && !g.at) g.at = at;
    if (node !== null && node !== undefined && !isMap(node) && !(isScalar(node) && node.value === null)) {
      d.error('IMPORT_INI_SYNTAX', `group ${name} must be a mapping with hosts, children and vars`, posOf(d, node));
      return undefined;
    }
    return g;
  };
  // Depth first, in file order, with an explicit stack of frames: children may nest thousands deep.
  type Frame = { g: InvGroup; items: [string, Pair][]; i: number; children?: [string, Pair][]; c: number };
  const stack: Frame[] = [];
  const push = (name: string, keyNode: unknown, node: unknown): void => {
    const g = open(name, keyNode, node);
    if (g) stack.push({ g, items: entries(node), i: 0, c: 0 });
  };
  const hostEntries = (g: InvGroup, value: unknown): boolean => {
    for (const [hname, hpair] of entries(value)) {
      const hat = posOf(d, hpair.key) ?? { line: 1, col: 1, length: 1 };
      const expanded = expandAnsibleRange(hname);
      if (expanded !== undefined && !Array.isArray(expanded)) {
        d.error('IMPORT_INI_SYNTAX', `host pattern ${hname}: ${expanded.error}`, hat, 'a range looks like node[01:03] or node[a:c]');
        continue;
      }
      if (tooManyHosts(d, hosts, expanded?.length ?? 1, hat)) return false;
      const vars = varsOf(hpair.value);
      for (const h of expanded ?? [hname]) {
        let host = hosts.get(h);
        if (!host) {
          host = { name: h, at: hat, vars: new Map(), groups: new Set() };
          hosts.set(h, host);
        }
        for (const [vk, vv] of vars) host.vars.set(vk, vv);
        g.hosts.push({ name: h, at: hat });
      }
    }
    return true;
  };
  for (const [name, pair] of entries(doc.contents)) {
    push(name, pair.key, pair.value);
    while (stack.length > 0) {
      const f = stack[stack.length - 1] as Frame;
      if (f.children) {
        const next = f.children[f.c++];
        if (next) {
          const [cname, cpair] = next;
          f.g.children.push({ name: cname, at: posOf(d, cpair.key) ?? { line: 1, col: 1, length: 1 } });
          push(cname, cpair.key, cpair.value);
          continue;
        }
        f.children = undefined;
      }
      const item = f.items[f.i++];
      if (!item) {
        stack.pop();
        continue;
      }
      const [k, pair] = item;
      if (k === 'hosts') {
        if (!hostEntries(f.g, pair.value)) return { hosts, groups };
      } else if (k === 'children') {
        f.children = entries(pair.value);
        f.c = 0;
      } else if (k === 'vars') {
        for (const [vk, vv] of varsOf(pair.value)) f.g.vars.set(vk, vv);
      } else {
        d.error('IMPORT_INI_SYNTAX', `group ${f.g.name}: unknown key ${k}`, posOf(d, pair.key), 'a group holds hosts, children and vars');
      }
    }
  }
  return { hosts, groups };
}

/** A YAML/JSON flow value written as INI text, or undefined when it is not one. */
export function flowValue(text: string): unknown {
  if (!/^\s*[{[]/.test(text)) return undefined;
  try {
    return parseYaml(text, { maxAliasCount: 0 }) as unknown;
  } catch {
    return undefined;
  }
}

function stripComment(s: string): string {
  const m = /^(.*?)\s+[#;].*$/.exec(s);
  return (m ? (m[1] ?? s) : s).trim();
}

function unquote(s: string): string {
  return /^(["']).*\1$/.test(s) && s.length >= 2 ? s.slice(1, -1) : s;
}

/** The vars file as key → value with positions; errors (syntax, not a mapping) go to its diagnostics. */
export function readVarsFile(vd: FileDiagnostics): Map<string, { value: unknown; at?: At }> {
  const out = new Map<string, { value: unknown; at?: At }>();
  const parsed = parseYamlDocuments(vd.text, { prettyErrors: false });
  const docs: Document[] = Array.isArray(parsed) ? parsed : [];
  for (const doc of docs) {
    for (const err of doc.errors) {
      vd.error('IMPORT_YAML_SYNTAX', yamlMessage(err.message), vd.at(err.pos[0], Math.max(1, err.pos[1] - err.pos[0])), yamlHint(err.code));
    }
  }
  if (vd.list.length === 0) aliasesAreSafe(docs, vd);
  if (vd.list.length > 0) return out;
  const doc = docs.find((x) => x.contents !== null);
  if (!doc) return out; // an empty vars file (everything commented out) sets nothing
  if (!isMap(doc.contents)) {
    vd.error('IMPORT_VARS_NOT_MAPPING', 'the vars file must be a mapping of variable: value', posOf(vd, doc.contents), 'write one variable per line, e.g. kube_version: v1.30.4');
    return out;
  }
  for (const [k, pair] of entries(doc.contents)) {
    const value = isSecretKey(k) ? scalarText(pair.value) ?? '' : plain(doc, pair.value, vd, k);
    out.set(k, { value, at: posOf(vd, pair.value) ?? posOf(vd, pair.key) });
    if (isSecretKey(k) && value !== '') {
      vd.secret(String(value));
      vd.warning('IMPORT_PLAINTEXT_PASSWORD', `plain-text secret ${k} is not copied into the kubeha spec`, posOf(vd, pair.value), 'use ansible-vault or keep secrets out of vars files');
    }
  }
  return out;
}
