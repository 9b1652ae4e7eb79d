/**
 * The one masking step for secrets in text kubeha shows: caret excerpts, messages, and values read from imported
 * files. It knows the secret-bearing keys of KubeKey configs, ansible inventories and kubeha specs (`key: value`,
 * `key=value`, `--flag value`), the secret-bearing keywords of keepalived.conf and haproxy.cfg (`auth_pass X`,
 * `stats auth U:P`, `user U password H`, `setenv PASSWORD X`), command lines (`sshpass -p X`, `docker login -p X`,
 * `curl -u U:P`), URLs with a password (`https://user:pass@host`) and PEM private keys.
 */

/** Keys whose values are secrets wherever they appear (KubeKey, ks-installer, ansible, kubeha's authSecret). */
const SECRET_KEY =
  /(pass(word|wd|phrase)?|secret|token|private_?key$|privatekey$|^auths?$|_pass$|(^|_)pw$|credentials?$|api_?key$|access_?key$|(certificate|encryption|signing)_?key$|^authorization$|bearer)/i;
/**
 * Keys that look secret but hold a path, a flag, a duration or the name of a secret stored elsewhere (secretName,
 * secretRef, `--password-stdin`, `--token-ttl`).
 */
const NOT_SECRET_KEY = /(path|file|dir|enabled?|name|ref|^auth_?type$|type|ttl|stdin|length|size|hash|policy)$/i;

/** The stars shown for a secret; at most 8 so that the length of a long secret is not shown either. */
export function secretStars(secret: string): string {
  return '*'.repeat(Math.min(8, Math.max(3, secret.length)));
}

const STARS = /^["']?\*+["']?$/;

export function isSecretKey(key: string): boolean {
  // `--oidc-client-secret`, `X-API-Key`: dashes read as underscores.
  const k = key.replace(/^-+/, '').replace(/-/g, '_');
  return SECRET_KEY.test(k) && !NOT_SECRET_KEY.test(k);
}

/** A flag's setting (`--authentication-token-webhook=true`, `token_ttl: 0`) is no secret. */
const FLAG_SETTING = /^["']?(true|false|yes|no|on|off|\d{1,5})["']?$/i;

const unquote = (v: string): string => v.replace(/^["']+|["']+$/g, '');

/** PEM private keys (`-----BEGIN [RSA |EC |OPENSSH |ENCRYPTED ]PRIVATE KEY-----` … END, or to the end of the text). */
const PEM = /(-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----)([\s\S]*?)(-----END ([A-Z0-9]+ )*PRIVATE KEY-----|$)/g;
/** `scheme://user:password@host`: the password of a URL's user information. */
const URL_PASSWORD = /(:\/\/[^\s:/@"'`]+:)([^\s@/"'`]+)(@)/g;
/** An ansible-vault blob: encrypted, but an offline attack needs only the blob, so it is not copied either. */
const ANSIBLE_VAULT = /(\$ANSIBLE_VAULT;[\d.]+;[A-Za-z0-9]+(?:;[^\s;]+)?)((?:\s*[0-9a-fA-F]+)*)/g;
/** A line of base64 alone, as inside a PEM block shown one line at a time. */
const BASE64_LINE = /^(\s*)[A-Za-z0-9+/]{40,}={0,2}(\s*)$/;

/**
 * Masks the secrets of one line of text (or one multi-line value): secret-looking `key: value` / `key=value` /
 * `--key value` pairs, `-p` of sshpass and the registry logins, `-u user:password`, URL passwords and PEM private
 * keys. Every secret masked is pushed to `found` (without quotes).
 */
export function maskSecretsInLine(line: string, found?: string[]): string {
  let out = line;
  if (out.includes('PRIVATE KEY-----'))
    out = out.replace(PEM, (whole, begin: string, _t: string, body: string, end: string) => {
      if (/^\s*\*+\s*$/.test(body)) return whole;
      if (body.trim() !== '') found?.push(body.trim());
      return `${begin}********${end}`;
    });
  if (out.includes('$ANSIBLE_VAULT;'))
    out = out.replace(ANSIBLE_VAULT, (whole, head: string, body: string) => {
      if (body.trim() === '' || /^\s*\*+\s*$/.test(body)) return whole;
      found?.push(body.trim());
      return `${head} ********`;
    });
  if (out.includes('://'))
    out = out.replace(URL_PASSWORD, (whole, keep: string, secret: string, at: string) => {
      if (STARS.test(secret)) return whole;
      found?.push(secret);
      return `${keep}${secretStars(secret)}${at}`;
    });
  out = maskCommandPasswords(out, found);
  return maskKeyValues(out, found);
}

function maskKeyValues(line: string, found?: string[]): string {
  // `:\s*`: also `password:xyz` written without a space (one YAML key that holds the secret).
  const colon = maskPairs(line, /(?<![\w-])[\d-]*([A-Za-z_][\w-]*)(\s*:\s*)/g, /"[^"]*"|'[^']*'|[^,}#\s][^,}#]*[^,}#\s]|[^,}#\s]/y, found);
  const equals = maskPairs(colon, /(?<![\w-])[\d-]*([A-Za-z_][\w-]*)(\s*=\s*)/g, /"[^"]*"|'[^']*'|[^\s#;]+/y, found);
  // A command-line flag and its value written with a space: `--token X`, `--oidc-client-secret "X"`; a value that
  // is another flag (`--no-password --v=2`) is none.
  return maskPairs(equals, /(?<![\w-])--?([A-Za-z][\w-]*)([ \t]+)/g, /"[^"]*"|'[^']*'|[^\s"'#;|&-][^\s"'#;|&]*/y, found);
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
    if (FLAG_SETTING.test(value)) continue;
    pair.lastIndex = start + value.length;
    if (STARS.test(value)) continue; // masked already (several passes see `key=value`)
    // The value as it stands in the text, without the quotes around it (or of an enclosing string).
    found?.push(unquote(value));
    out += line.slice(done, start) + secretStars(value);
    done = start + value.length;
  }
  return out + line.slice(done);
}

/** Commands whose `-p` is a password: `sshpass -p X`, `docker login -u U -p X` (podman, nerdctl, helm, …). */
const PASSWORD_P_COMMAND = /\b(sshpass|login)\b/g;
const COMMAND_END = /[|;&\n]/g;

/**
 * `-p X` / `-pX` after sshpass or a registry login, and `-u user:password` / `--user user:password` (curl, wget)
 * anywhere, masked up to the end of the command (`|`, `;`, `&`, end of line).
 */
function maskCommandPasswords(line: string, found?: string[]): string {
  const out = line.replace(/((?:(?<![\w-])-u[ \t]*|--user[ \t=]+)["']?[^\s:"'*]+:)([^\s"']+)/g, (whole, keep: string, secret: string) => {
    if (STARS.test(secret)) return whole;
    found?.push(secret);
    return `${keep}${secretStars(secret)}`;
  });
  if (!/\b(sshpass|login)\b/.test(out)) return out;
  let result = '';
  let last = 0;
  PASSWORD_P_COMMAND.lastIndex = 0;
  for (let m = PASSWORD_P_COMMAND.exec(out); m; m = PASSWORD_P_COMMAND.exec(out)) {
    if (m.index < last) continue;
    const start = m.index + m[0].length;
    COMMAND_END.lastIndex = start;
    const end = COMMAND_END.exec(out)?.index ?? out.length;
    const segment = out.slice(start, end).replace(/((?:^|\s)-p[ \t]*)("[^"]*"|'[^']*'|[^\s"']+)/, (whole, keep: string, secret: string) => {
      if (STARS.test(secret)) return whole;
      found?.push(unquote(secret));
      return `${keep}${secretStars(secret)}`;
    });
    result += out.slice(last, start) + segment;
    last = end;
    PASSWORD_P_COMMAND.lastIndex = end;
  }
  return result + out.slice(last);
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
  // An HTTP Authorization header a health check or rule sends (`http-check send hdr Authorization "Basic …"`).
  /(\bauthorization\s+)("[^"]*"|'[^']*'|\S+(?:\\ \S+)*)/gi,
];

/** A source line as kubeha may show it: every secret of every format kubeha reads masked; `found` gets each value. */
export function maskExcerpt(line: string, found?: string[]): string {
  // A line of base64 alone is the inside of a PEM block (or a key pasted alone): an excerpt shows one line at a time.
  if (BASE64_LINE.test(line)) {
    found?.push(line.trim());
    return line.replace(BASE64_LINE, '$1********$2');
  }
  let out = maskSecretsInLine(line, found);
  // haproxy.cfg global `setenv` / `presetenv NAME value` with a secret-looking NAME (keepalived's `$NAME=value` is a
  // key=value pair, above).
  out = out.replace(/(\b(?:pre)?setenv[ \t]+)(\S+)([ \t]+)("[^"]*"|'[^']*'|\S+)/g, (whole, kw: string, name: string, sp: string, value: string) => {
    if (!isSecretKey(name) || STARS.test(value)) return whole;
    found?.push(unquote(value));
    return `${kw}${name}${sp}${secretStars(value)}`;
  });
  // An HTTP header a health check or rule sends: `http-check send hdr X-Auth-Token V`, `http-request set-header Cookie V`.
  out = out.replace(/(\b(?:set-header|add-header|hdr)[ \t]+)([^\s(]+)([ \t]+)("[^"]*"|'[^']*'|\S+(?:\\ \S+)*)/gi, (whole, kw: string, name: string, sp: string, value: string) => {
    if (!(isSecretKey(name) || /^(proxy_|proxy-)?(authorization|cookie)$/i.test(name)) || STARS.test(value)) return whole;
    found?.push(unquote(value));
    return `${kw}${name}${sp}${secretStars(value)}`;
  });
  for (const re of CONFIG_SECRETS)
    out = out.replace(re, (whole, keep: string, secret: string) => {
      if (STARS.test(secret)) return whole;
      found?.push(unquote(secret));
      return `${keep}${secretStars(secret)}`;
    });
  return out;
}

/** Every line some pattern above could mask matches this (each pattern needs one of these words or shapes). */
const MAYBE_SECRET = /pass|pw|secret|token|key|auth|cred|bearer|login|user|env|:\/\/|-p|VAULT|[A-Za-z0-9+/]{40}/i;

/** Scrubbing costs (secrets × output length): past this many, lines are masked by pattern as well. */
const MAX_SCRUBBED = 2048;

/** Secrets shorter than this are not scrubbed from messages: replacing every "ab" would garble the text. */
const MIN_SCRUBBED = 3;

/**
 * The secret values of whole texts (config files, imported files), remembered so that a message, hint or report
 * built from parsed values never shows one: `scrub` replaces each by stars. keepalived uses the first 8 characters
 * of a longer auth_pass, so those are remembered too.
 */
export class SecretScrubber {
  private readonly secrets = new Set<string>();
  private sorted: string[] | undefined;
  /** More secrets than are scrubbed one by one: every line of the output is also masked by pattern. */
  private overflow = false;

  /** Remembers every secret of a text (each line as `maskExcerpt` sees it, and PEM blocks across lines). */
  addText(text: string): void {
    const found: string[] = [];
    if (text.includes('PRIVATE KEY-----')) maskSecretsInLine(text, found);
    // Only lines that could hold a secret get the full masking (a 5 000-host mirror has millions of plain lines).
    for (const line of text.split('\n')) if (MAYBE_SECRET.test(line)) maskExcerpt(line, found);
    for (const s of found) this.add(s);
  }

  add(secret: string): void {
    if (this.secrets.size >= MAX_SCRUBBED) {
      this.overflow = true;
      return;
    }
    for (const s of [secret, ...secret.split('\n').map((l) => l.trim())]) {
      if (s.length < MIN_SCRUBBED || STARS.test(s)) continue;
      for (const v of [s, ...(s.length > 8 ? [s.slice(0, 8)] : [])]) {
        this.secrets.add(v);
        // As JSON output and Markdown tables write it.
        this.secrets.add(JSON.stringify(v).slice(1, -1));
        this.secrets.add(v.replace(/\|/g, '\\|'));
      }
    }
    this.sorted = undefined;
  }

  get size(): number {
    return this.secrets.size;
  }

  scrub(s: string): string {
    if (this.secrets.size === 0) return s;
    // Longest first, so that a secret's 8-character prefix does not leave its tail behind.
    this.sorted ??= [...this.secrets].sort((a, b) => b.length - a.length);
    let out = this.overflow ? s.split('\n').map((l) => maskExcerpt(l)).join('\n') : s;
    for (const secret of this.sorted) if (out.includes(secret)) out = out.split(secret).join(secretStars(secret));
    return out;
  }
}
