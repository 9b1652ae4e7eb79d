import { randomBytes } from 'node:crypto';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EnvironmentError } from '../diag/errors.js';
import { secretNeeds, type SecretKind } from '../render/index.js';
import { mkdirp } from './mkdirp.js';
import type { ClusterSpec, Secrets } from '../cluster-spec/types.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** VRRP PASS auth uses at most 8 characters (keepalived.conf(5)); 62^8 ≈ 2^47 is plenty for a LAN shared secret. */
export const SECRET_LENGTH = 8;

/** `length` characters from [A-Za-z0-9], uniformly (rejection sampling: no modulo bias). */
export function randomSecret(length = SECRET_LENGTH): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 × 62: bytes above it would favour the first letters.
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

/** A new secret of this kind. */
function generate(kind: SecretKind): string {
  if (kind === 'key-32') return randomBytes(32).toString('base64');
  if (kind === 'bootstrap-token') return `${randomLower(6)}.${randomLower(16)}`;
  return randomSecret();
}

/** `length` characters of [a-z0-9] (a bootstrap token's alphabet), without modulo bias. */
function randomLower(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  while (out.length < length) for (const byte of randomBytes(length * 2)) if (byte < 252 && out.length < length) out += alphabet[byte % 36];
  return out;
}

/** Why a secret's value cannot be used for its kind (never quoting the value), or undefined. */
function unusable(kind: SecretKind, value: string): string | undefined {
  if (kind === 'key-32')
    return /^[A-Za-z0-9+/]{43}=$/.test(value) && Buffer.from(value, 'base64').length === 32 ? undefined : 'must hold 32 bytes in base64 (44 characters; an encryption-at-rest key)';
  if (kind === 'bootstrap-token') return /^[a-z0-9]{6}\.[a-z0-9]{16}$/.test(value) ? undefined : 'must hold a kubeadm bootstrap token ([a-z0-9]{6}.[a-z0-9]{16})';
  if (value.length === 0 || value.length > SECRET_LENGTH || !/^[\x21-\x7e]+$/.test(value) || value.includes('"'))
    return `must hold 1-${SECRET_LENGTH} printable characters without spaces or quotes (VRRP auth_pass)`;
  return undefined;
}

/**
 * Default state directory of a spec: `.kubeha/<cluster name>` next to the spec file. A spec that is not a regular
 * file (`/dev/stdin`, a pipe, `<(…)`) has no "next to": the current directory is used, never /dev or /proc/self/fd.
 */
export function defaultStateDir(specPath: string, spec: ClusterSpec, cwd: string = process.cwd()): string {
  try {
    if (statSync(specPath).isFile()) {
      // `< cluster.yaml` makes /dev/stdin a link to the real file: its directory is the one next to the spec.
      const real = /^\/(dev|proc)\//.test(specPath) ? realpathSync(specPath) : specPath;
      return join(real, '..', '.kubeha', spec.name);
    }
  } catch {
    // missing or unreadable: the current directory
  }
  return join(cwd, '.kubeha', spec.name);
}

/**
 * Reads the secrets the spec needs from `<stateDir>/secrets/<name>`, generating missing ones (mode 0600, directory 0700).
 * Values are never logged; errors name the file, never its content.
 * @throws EnvironmentError when the directory cannot be created or a secret file is unreadable or unusable.
 */
export async function loadOrCreateSecrets(stateDir: string, spec: ClusterSpec): Promise<Secrets> {
  const dir = join(stateDir, 'secrets');
  const needs = secretNeeds(spec);
  const secrets: Record<string, string> = {};
  if (needs.length === 0) return secrets;
  try {
    mkdirp(dir, 0o700);
    await chmod(dir, 0o700);
  } catch (err) {
    throw new EnvironmentError(`cannot create the secrets directory ${dir}: ${(err as Error).message}`, 'pass --state-dir DIR with a writable DIR');
  }
  for (const { name, kind } of needs) {
    if (!/^[a-z0-9][-a-z0-9_.]*$/i.test(name)) throw new EnvironmentError(`invalid secret name "${name}"`, 'use letters, digits, "-", "_" and "."');
    const file = join(dir, name);
    let value: string | undefined;
    try {
      value = (await readFile(file, 'utf8')).trim();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new EnvironmentError(`cannot read secret file ${file}: ${(err as Error).message}`);
    }
    if (value === undefined) {
      value = generate(kind);
      // 'wx': never overwrite a file another kubeha process created meanwhile.
      try {
        await writeFile(file, value + '\n', { mode: 0o600, flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new EnvironmentError(`cannot write secret file ${file}: ${(err as Error).message}`);
        value = (await readFile(file, 'utf8')).trim();
      }
    } else {
      const st = await stat(file);
      if ((st.mode & 0o077) !== 0) await chmod(file, 0o600);
    }
    const problem = unusable(kind, value);
    if (problem) throw new EnvironmentError(`secret file ${file} ${problem}`, 'delete it to have kubeha generate a new one, then apply to every host that uses it');
    secrets[name] = value;
  }
  return secrets;
}
