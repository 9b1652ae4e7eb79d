import { createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * OpenSSH known_hosts, as `ssh` reads it (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): one key per line,
 * `[@marker] patterns keytype base64-blob [comment]`, patterns comma-separated with `*`/`?` wildcards and `!` negation,
 * or one hashed name `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`. A name is `host` on port 22, `[host]:port` otherwise.
 * Parsing and matching are pure; reading and appending the file is the caller's job (src/remote/ssh.ts).
 */

export interface KnownHostEntry {
  line: number;
  marker?: '@cert-authority' | '@revoked';
  /** Raw host field (patterns or one hashed name). */
  hosts: string;
  keyType: string;
  /** The public key blob (what the server sends during key exchange). */
  key: Buffer;
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@cert-authority' || fields[0] === '@revoked') marker = fields.shift() as KnownHostEntry['marker'];
    const [hosts, keyType, b64] = fields;
    if (!hosts || !keyType || !b64) return; // malformed lines are skipped, as ssh does
    const key = Buffer.from(b64, 'base64');
    if (key.length === 0) return;
    entries.push({ line: i + 1, ...(marker ? { marker } : {}), hosts, keyType, key });
  });
  return entries;
}

/** The name under which OpenSSH records a host: `addr` on port 22, `[addr]:port` otherwise. */
export function knownHostName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** Whether the host field of an entry names `name` (hashed, or patterns with negation). */
export function hostFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  let matched = false;
  for (const pattern of hosts.split(',')) {
    if (pattern.startsWith('!')) {
      if (globToRegExp(pattern.slice(1)).test(name)) return false;
    } else if (globToRegExp(pattern).test(name)) matched = true;
  }
  return matched;
}

/** The key type named inside a blob (its first SSH string), e.g. `ssh-ed25519`. */
export function keyTypeOfBlob(blob: Buffer): string {
  if (blob.length < 4) return '';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** `SHA256:…` as `ssh-keygen -l` prints it (base64 without padding). */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export type HostKeyVerdict =
  | { status: 'match'; entry: KnownHostEntry }
  | { status: 'unknown' }
  | { status: 'revoked'; entry: KnownHostEntry }
  /** The host is known with a key of the same type that differs: a possible man in the middle. */
  | { status: 'changed'; known: KnownHostEntry[] };

/**
 * Checks the key a server presented against the entries for `name`, comparing the key blobs.
 * Known keys of other types only are "unknown" for this type, as OpenSSH does (it then also prefers the known types,
 * see {@link knownKeyTypes}); a different key of the same type is "changed".
 */
export function verifyHostKey(entries: KnownHostEntry[], name: string, presented: Buffer): HostKeyVerdict {
  const mine = entries.filter((e) => e.marker !== '@cert-authority' && hostFieldMatches(e.hosts, name));
  const revoked = mine.find((e) => e.marker === '@revoked' && e.key.equals(presented));
  if (revoked) return { status: 'revoked', entry: revoked };
  const live = mine.filter((e) => !e.marker);
  const exact = live.find((e) => e.key.equals(presented));
  if (exact) return { status: 'match', entry: exact };
  const type = keyTypeOfBlob(presented);
  const sameType = live.filter((e) => e.keyType === type);
  if (sameType.length > 0) return { status: 'changed', known: sameType };
  // Known under another key type only: the server offered a type we never recorded. Refuse as changed too,
  // since we asked for the known types first (ssh does the same when HostKeyAlgorithms are ordered).
  if (live.length > 0) return { status: 'changed', known: live };
  return { status: 'unknown' };
}

/** Key types recorded for a host, to offer them first during key exchange. */
export function knownKeyTypes(entries: KnownHostEntry[], name: string): string[] {
  return [...new Set(entries.filter((e) => !e.marker && hostFieldMatches(e.hosts, name)).map((e) => e.keyType))];
}

/** One known_hosts line for a new key; hashed like `HashKnownHosts yes` when `hash` is set. */
export function formatKnownHostLine(name: string, key: Buffer, hash = false, salt: Buffer = randomBytes(20)): string {
  const hosts = hash ? `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}` : name;
  return `${hosts} ${keyTypeOfBlob(key)} ${key.toString('base64')}`;
}
