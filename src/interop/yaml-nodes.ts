import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node, type Pair } from 'yaml';
import { REDACTED, isSecretKey, secretStars, maskSecretsInLine, str, type FileDiagnostics } from './import-common.js';

/**
 * Small helpers over eemeli/yaml's node tree for the importers: lookups that keep positions, and a
 * conversion to plain values that redacts secrets and reports each one with file:line:col.
 */

export type At = { line: number; col: number; length: number };

/** Position of a node (its value part), or undefined for nodes without a range. */
export function posOf(d: FileDiagnostics, node: unknown): At | undefined {
  if (node === null || typeof node !== 'object' || !('range' in node)) return undefined;
  const range = (node as Node).range;
  if (!range) return undefined;
  const len = Math.max(1, range[1] - range[0]);
  return d.at(range[0], len);
}

/** The pair of `key` in a map node, if any. */
export function pairOf(map: unknown, key: string): Pair | undefined {
  if (!isMap(map)) return undefined;
  for (const item of map.items) if (isPair(item) && isScalar(item.key) && String(item.key.value) === key) return item;
  return undefined;
}

/** The value node of `key` in a map node. */
export function valueOf(map: unknown, key: string): unknown {
  return pairOf(map, key)?.value ?? undefined;
}

/** Position of the key of `key` in a map (for "missing/extra field" messages), else of the map itself. */
export function keyPos(d: FileDiagnostics, map: unknown, key: string): At | undefined {
  const p = pairOf(map, key);
  return p ? posOf(d, p.key) : posOf(d, map);
}

/** Map entries as [key text, pair] in file order. */
export function entries(map: unknown): [string, Pair][] {
  if (!isMap(map)) return [];
  const out: [string, Pair][] = [];
  for (const item of (map).items) if (isPair(item) && isScalar(item.key)) out.push([String(item.key.value), item]);
  return out;
}

/** A scalar's value as a string (numbers and booleans printed), or undefined when not a scalar / null. */
export function scalarText(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const v = node.value;
  if (v === null || v === undefined) return undefined;
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

/**
 * `password:xyz` written without a space is one YAML key holding the secret in its name: the secret key it was meant
 * to be (`password`) and the value (remembered for masking), or undefined for an ordinary key.
 */
export function gluedSecret(key: string, d: FileDiagnostics): string | undefined {
  const m = /^([A-Za-z_][\w-]*):(\S+)$/.exec(key);
  if (!m?.[1] || !m[2] || !isSecretKey(m[1])) return undefined;
  d.secret(m[2]);
  return m[1];
}

/**
 * Plain JS value of a node, with every non-empty secret-looking key replaced by REDACTED and reported
 * (IMPORT_PLAINTEXT_PASSWORD / IMPORT_PLAINTEXT_SECRET at the value's position), and secret-looking pairs inside
 * a string (`extra_args: "--token=abc"`) masked and reported.
 */
export function plain(doc: Document, node: unknown, d: FileDiagnostics, path: string): unknown {
  if (isAlias(node)) return plain(doc, node.resolve(doc), d, path);
  if (isScalar(node)) {
    if (typeof node.value !== 'string') return node.value;
    const inside: string[] = [];
    const masked = maskSecretsInLine(node.value, inside);
    if (inside.length > 0) reportEmbeddedSecrets(d, path, node, inside);
    return masked;
  }
  if (isSeq(node)) return node.items.map((item, i) => plain(doc, item, d, `${path}[${i}]`));
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const item of node.items) {
      if (!isPair(item)) continue;
      const key = isScalar(item.key) ? String(item.key.value) : String(plain(doc, item.key, d, path));
      const p = path ? `${path}.${key}` : key;
      const glued = gluedSecret(key, d);
      if (glued !== undefined) {
        out[glued] = REDACTED;
      } else if (isSecretKey(key) && !isEmpty(item.value)) {
        reportSecret(d, key, p, item.value);
        out[key] = REDACTED;
      } else {
        out[key] = plain(doc, item.value, d, p);
      }
    }
    return out;
  }
  return node ?? null;
}

function isEmpty(node: unknown): boolean {
  if (node === null || node === undefined) return true;
  if (isScalar(node)) return node.value === null || node.value === '';
  if (isMap(node) || isSeq(node)) return node.items.length === 0;
  return false;
}

/** Records a plain-text secret: remembered for masking, and a warning at its position. */
export function reportSecret(d: FileDiagnostics, key: string, path: string, valueNode: unknown): void {
  const walk = (n: unknown): void => {
    if (isScalar(n) && n.value !== null && n.value !== undefined) d.secret(str(n.value));
    else if (isMap(n)) for (const it of n.items) walk(isPair(it) ? it.value : it);
    else if (isSeq(n)) for (const it of n.items) walk(it);
  };
  walk(valueNode);
  const password = /pass/i.test(key);
  d.warning(
    password ? 'IMPORT_PLAINTEXT_PASSWORD' : 'IMPORT_PLAINTEXT_SECRET',
    `plain-text ${password ? 'password' : 'secret'} in ${path} is not copied into the kubeha spec`,
    maskedPos(d, valueNode),
    password
      ? 'kubeha logs in with SSH keys (ssh.keyFile or the SSH agent); remove the password from this file and rotate it if the file was shared'
      : 'keep secrets out of config files; kubeha generates its own secrets into the state directory (mode 0600)',
  );
}

/** Secrets assigned inside a value (`--token=abc`): remembered for masking, one warning at the value. */
export function reportEmbeddedSecrets(d: FileDiagnostics, path: string, valueNode: unknown, secrets: string[]): void {
  for (const s of secrets) d.secret(s);
  d.warning('IMPORT_PLAINTEXT_SECRET', `a secret-looking assignment inside ${path} is masked, not copied into the kubeha spec`, posOf(d, valueNode), 'keep secrets out of config files; kubeha generates its own secrets into the state directory (mode 0600)');
}

/** Position of a secret's value with the caret as long as its mask (the excerpt shows the mask). */
function maskedPos(d: FileDiagnostics, node: unknown): At | undefined {
  const at = posOf(d, node);
  if (!at) return undefined;
  const text = isScalar(node) ? String(node.value) : '';
  return { ...at, length: secretStars(text).length };
}
