/**
 * The one masking step for secrets in text kubeha shows: caret excerpts, and values read from imported files.
 * It knows the secret-bearing keys of KubeKey configs, ansible inventories and kubeha specs (`key: value`,
 * `key=value`) and the secret-bearing keywords of keepalived.conf and haproxy.cfg (`auth_pass X`, `stats auth U:P`).
 */

/** Keys whose values are secrets wherever they appear (KubeKey, ks-installer, ansible, kubeha's authSecret). */
const SECRET_KEY = /(pass(word|wd)?|secret|token|private_?key$|privatekey$|^auths$|_pass$|(^|_)pw$|credentials?$|api_?key$|access_?key$)/i;
/** Keys that look secret but hold a path, a flag or the name of a secret stored elsewhere (secretName, secretRef). */
const NOT_SECRET_KEY = /(path|file|enabled?|name|ref|^auth_?type$)$/i;

/** The stars shown for a secret; at most 8 so that the length of a long secret is not shown either. */
export function secretStars(secret: string): string {
  return '*'.repeat(Math.min(8, Math.max(3, secret.length)));
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !NOT_SECRET_KEY.test(key);
}

/**
 * Masks values of secret-looking `key: value` / `key=value` pairs in a source line, so that a caret excerpt
 * never echoes a password even when the file could not be parsed.
 */
export function maskSecretsInLine(line: string, found?: string[]): string {
  // `:\s*`: also `password:xyz` written without a space (one YAML key that holds the secret).
  const colon = maskPairs(line, /(?<![\w-])[\d-]*([A-Za-z_][\w-]*)(\s*:\s*)/g, /"[^"]*"|'[^']*'|[^,}#\s][^,}#]*[^,}#\s]|[^,}#\s]/y, found);
  return maskPairs(colon, /(?<![\w-])[\d-]*([A-Za-z_][\w-]*)(\s*=\s*)/g, /"[^"]*"|'[^']*'|[^\s#;]+/y, found);
}

/**
 * One left-to-right pass over `key<sep>value` pairs. A key starts only where a word starts (after digits or dashes
 * at most), and a value is measured only for a secret key, which is then skipped: each character is looked at a
 * bounded number of times, so a 100 000-character line costs linear time. A pair whose key is not secret is not
 * skipped: the scan goes on inside its value (`a=become_password=x`, `args: "token=x"`).
 */
function maskPairs(line: string, pair: RegExp, valueRe: RegExp, found: string[] | undefined): string {
  let out = '';
  let done = 0;
  pair.lastIndex = 0;
  for (let m = pair.exec(line); m; m = pair.exec(line)) {
    const key = m[1] as string;
    const start = m.index + m[0].length;
    if (!isSecretKey(key)) continue;
    valueRe.lastIndex = start;
    const v = valueRe.exec(line);
    if (!v) continue;
    const value = v[0];
    // A flag's setting (`--authentication-token-webhook=true`, `token_ttl: 0`) is no secret.
    if (/^["']?(true|false|yes|no|on|off|\d{1,5})["']?$/i.test(value)) continue;
    pair.lastIndex = start + value.length;
    if (/^\*+$/.test(value)) continue; // masked already (both passes see `key=value`)
    // The value as it stands in the text, without the quotes around it (or of an enclosing string).
    found?.push(trimQuotes(value));
    out += line.slice(done, start) + secretStars(value);
    done = start + value.length;
  }
  return out + line.slice(done);
}

function trimQuotes(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s[a] === '"' || s[a] === "'")) a++;
  while (b > a && (s[b - 1] === '"' || s[b - 1] === "'")) b--;
  return s.slice(a, b);
}

/**
 * Keywords of the whitespace-separated configs whose argument is a secret. Each pattern's first group is kept,
 * the second masked.
 */
const CONFIG_SECRETS: readonly RegExp[] = [
  // keepalived.conf(5): `auth_pass <password>` in an authentication block.
  /(\bauth_pass\s+)("[^"]*"|'[^']*'|\S+)/g,
  // haproxy.cfg: `stats auth <user>:<password>`.
  /(\bstats\s+auth\s+[^\s:]+:)(\S+)/g,
  // haproxy.cfg userlist: `user <name> password <hash>` / `insecure-password <password>`.
  /(\buser\s+\S+\s+(?:insecure-)?password\s+)("[^"]*"|'[^']*'|\S+)/g,
  // A check script's credentials: `curl -u user:password`, `--user user:password`.
  /((?:\s-u\s*|--user[\s=])["']?[^\s:"']+:)([^\s"']+)/g,
  // An HTTP Authorization header a health check or rule sends (`http-check send hdr Authorization "Basic …"`).
  /(\bauthorization\s+)("[^"]*"|'[^']*'|\S+(?:\\ \S+)*)/gi,
];

/** A source line as kubeha may show it: every secret of every format kubeha reads masked. */
export function maskExcerpt(line: string): string {
  let out = maskSecretsInLine(line);
  for (const re of CONFIG_SECRETS)
    out = out.replace(re, (whole, keep: string, secret: string) => (/^\*+$/.test(secret) ? whole : `${keep}${secretStars(secret)}`));
  return out;
}
