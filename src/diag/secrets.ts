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
  const mask = (whole: string, key: string, sep: string, value: string): string => {
    // A flag's setting (`--authentication-token-webhook=true`, `token_ttl: 0`) is no secret.
    if (/^\*+$/.test(value)) return whole; // masked already (both patterns see `key=value`)
    if (isSecretKey(key) && !/^["']?(true|false|yes|no|on|off|\d{1,5})["']?$/i.test(value)) {
      // The value as it stands in the text, without the quotes around it (or of an enclosing string).
      found?.push(value.replace(/^["']+|["']+$/g, ''));
      return `${key}${sep}${secretStars(value)}`;
    }
    // A pair inside the value (`a=become_password=x`, `args: "token=x"`): the value is shorter, so this ends.
    const inner = maskSecretsInLine(value, found);
    return inner === value ? whole : `${key}${sep}${inner}`;
  };
  return line
    // `:\s*`: also `password:xyz` written without a space (one YAML key that holds the secret).
    .replace(/([A-Za-z_][\w-]*)(\s*:\s*)("[^"]*"|'[^']*'|[^,}#\s][^,}#]*[^,}#\s]|[^,}#\s])/g, mask)
    .replace(/([A-Za-z_][\w-]*)(\s*=\s*)("[^"]*"|'[^']*'|[^\s#;]+)/g, mask);
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
