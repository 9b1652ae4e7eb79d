import { appendFile, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Client, ClientChannel, ConnectConfig } from 'ssh2';
import { readBounded } from '../cli/bounded-read.js';
import { EnvironmentError, InputError, RemoteCommandError } from '../diag/errors.js';
import { tail } from '../diag/output-tail.js';
import {
  fingerprint,
  formatKnownHostLine,
  keyTypeOfBlob,
  knownHostName,
  knownKeyTypes,
  parseKnownHosts,
  verifyHostKey,
} from './known-hosts.js';
import type { HostKeyVerdict, KnownHostEntry } from './known-hosts.js';
import { mkdirp } from '../state/mkdirp.js';
import type { Dialer } from './netns-dial.js';

/**
 * The one module in front of `ssh2`. Everything else talks to hosts through {@link RemoteHost}.
 */

/** How to reach one host. */
export interface SshTarget {
  /** Name used in messages (the spec's host name). */
  name: string;
  address: string;
  /** @default 22 */
  port?: number;
  /** @default 'root' */
  user?: string;
  /** Private key file; the SSH agent (SSH_AUTH_SOCK) is used when absent. */
  keyFile?: string;
  /** Tunnel through this host first (like OpenSSH ProxyJump). */
  jump?: SshTarget;
}

export interface SshOptions {
  /** known_hosts file checked strictly. */
  knownHostsFile: string;
  /** Trust and record keys of hosts absent from known_hosts. Changed keys are refused regardless. @default false */
  acceptNewHostKeys?: boolean;
  /** @default 10000 */
  connectTimeoutMs?: number;
  /** Default timeout of one remote command. @default 120000 */
  commandTimeoutMs?: number;
  /**
   * How a TCP connection to a host (or a jump host) is opened. @default a plain connection from this process.
   * E.g. a NetnsDialer's (netns-dial.ts), for hosts reachable only from another network namespace.
   */
  dial?: Dialer;
}

export interface ExecOptions {
  /** @default SshOptions.commandTimeoutMs */
  timeoutMs?: number;
  /** Bytes written to the command's stdin. */
  stdin?: string | Buffer;
  /** Shown in errors instead of the (long) command text. */
  label?: string;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal?: string;
}

/** A host commands run on, as root (through `sudo -n` for a non-root user). */
export interface RemoteHost {
  readonly name: string;
  /** Runs a shell command; never throws for a non-zero exit (only for transport failures and timeouts). */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Runs a shell command; throws {@link RemoteCommandError} unless it exits 0. Returns stdout. */
  run(command: string, options?: ExecOptions): Promise<string>;
}

/** A host key that is unknown (without --accept-new-host-keys), changed or revoked. Exit code 3. */
export class HostKeyError extends EnvironmentError {
  constructor(
    host: string,
    message: string,
    hint: string,
    readonly verdict: HostKeyVerdict['status'],
    readonly presented: string,
    readonly known: string[],
  ) {
    super(message, hint, host);
  }
}

/** Quotes one word for a POSIX shell. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The command line actually sent: as is for root, through `sudo -n` (never prompts) otherwise. */
export function wrapForUser(user: string, command: string): string {
  return user === 'root' ? command : `sudo -n sh -c ${shellQuote(command)}`;
}

/** ssh2, loaded on the first connection: its load then overlaps whatever comes before (e.g. a relay's start-up). */
let ssh2Client: Promise<typeof Client> | undefined;
// require, not import(): the CLI's bundle runs as a script (src/cli/launch.ts), where a dynamic import() has no loader.
const loadClient = (): Promise<typeof Client> => (ssh2Client ??= Promise.resolve().then(() => (createRequire(import.meta.url)('ssh2') as typeof import('ssh2')).Client));

function targetKey(t: SshTarget): string {
  return `${t.user ?? 'root'}@${t.address}:${t.port ?? 22}${t.jump ? ` via ${targetKey(t.jump)}` : ''}`;
}

/** Connections reused per host: one SSH connection per target (and its jump host), opened on first use. */
export class SshPool {
  private readonly conns = new Map<string, Promise<Client>>();
  /** known_hosts, read and parsed once for every connection (again after a key was recorded). */
  private knownHosts?: Promise<KnownHostEntry[]>;
  /** Private keys by file, read once. */
  private readonly keys = new Map<string, Promise<Buffer>>();

  constructor(readonly options: SshOptions) {}

  /** A {@link RemoteHost} for the target; connects lazily, once. */
  host(target: SshTarget): RemoteHost {
    return new SshHost(this, target);
  }

  /** Connects now (to report unreachable hosts and host keys early). */
  async connect(target: SshTarget): Promise<Client> {
    const key = targetKey(target);
    let conn = this.conns.get(key);
    if (!conn) {
      conn = this.open(target);
      this.conns.set(key, conn);
      // A failed connection is not cached: the next call retries.
      conn.catch(() => this.conns.delete(key));
    }
    return conn;
  }

  /** Drops the host's cached connection (e.g. after the host was power-cycled): the next command reconnects. */
  forget(target: SshTarget): void {
    const key = targetKey(target);
    const conn = this.conns.get(key);
    this.conns.delete(key);
    conn?.then((client) => client.destroy(), () => undefined);
  }

  async close(): Promise<void> {
    const all = [...this.conns.values()];
    this.conns.clear();
    await Promise.all(all.map((c) => c.then((client) => client.end(), () => undefined)));
  }

  private async readKnownHosts(): Promise<KnownHostEntry[]> {
    this.knownHosts ??= readFile(this.options.knownHostsFile, 'utf8').then(parseKnownHosts, (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw new EnvironmentError(`cannot read known_hosts file ${this.options.knownHostsFile}: ${err.message}`);
    });
    return this.knownHosts;
  }

  private readKey(file: string): Promise<Buffer> {
    const MAX_KEY_BYTES = 1 << 20;
    let key = this.keys.get(file);
    if (!key) {
      // Through the one bounded reader: a key named in the spec may be a FIFO nobody writes or /dev/zero.
      key = readBounded(file, MAX_KEY_BYTES, false).then((r) => {
        if (r.kind === 'ok') return r.buf;
        const [code, message] =
          r.kind === 'idle'
            ? (['KUBEHA_FILE_IDLE', 'the SSH key file gave no data for 5 s (a FIFO nobody writes?)'] as const)
            : r.kind === 'directory'
              ? (['KUBEHA_FILE_IS_DIRECTORY', 'the SSH key file is a directory'] as const)
              : (['KUBEHA_FILE_TOO_LARGE', `the SSH key file is over ${MAX_KEY_BYTES} bytes; no private key is that large`] as const);
        throw new InputError([{ code, severity: 'error', message, file, line: 1, col: 1, hint: 'point ssh.keyFile (or --key) at the private key file, e.g. ~/.ssh/id_ed25519' }]);
      });
      this.keys.set(file, key);
    }
    return key;
  }

  private async open(target: SshTarget): Promise<Client> {
    const port = target.port ?? 22;
    const user = target.user ?? 'root';
    const name = knownHostName(target.address, port);
    const entries = await this.readKnownHosts();
    const connectTimeoutMs = this.options.connectTimeoutMs ?? 10_000;
    const sock = target.jump
      ? await this.forward(target.jump, target.address, port, target.name)
      : this.options.dial
        ? await this.options.dial(target.address, port, connectTimeoutMs).catch((err: unknown) => {
            throw connectError(target, err as Error);
          })
        : undefined;

    const auth: Partial<ConnectConfig> = {};
    if (target.keyFile) {
      try {
        auth.privateKey = await this.readKey(target.keyFile);
      } catch (err) {
        throw new EnvironmentError(`cannot read SSH key ${target.keyFile}: ${(err as Error).message}`, 'set ssh.keyFile in the spec to a readable private key, or use the SSH agent', target.name);
      }
    } else if (process.env['SSH_AUTH_SOCK']) {
      auth.agent = process.env['SSH_AUTH_SOCK'];
    } else {
      throw new EnvironmentError('no SSH key file and no SSH agent (SSH_AUTH_SOCK is unset)', 'set ssh.keyFile in the spec or start ssh-agent and add a key', target.name);
    }

    // OpenSSH-like: offer the key types we already know for this host first, so a host with several keys
    // presents one we can compare.
    const known = knownKeyTypes(entries, name).flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t]));
    let rejection: HostKeyError | undefined;
    let accepted: Buffer | undefined;

    const client = new (await loadClient())();
    return new Promise<Client>((resolve, reject) => {
      client.once('ready', () => {
        client.removeAllListeners('error');
        // Later transport errors end the cached connection; the next use reconnects.
        client.on('error', () => undefined);
        client.once('close', () => this.conns.delete(targetKey(target)));
        if (accepted) {
          appendKnownHost(this.options.knownHostsFile, formatKnownHostLine(name, accepted)).then(
            () => resolve(client),
            (err: Error) => reject(new EnvironmentError(`cannot record the host key in ${this.options.knownHostsFile}: ${err.message}`, undefined, target.name)),
          );
          this.knownHosts = undefined;
        } else resolve(client);
      });
      client.once('error', (err: Error & { code?: string; level?: string }) => {
        if (rejection) return reject(rejection);
        reject(connectError(target, err));
      });
      client.connect({
        host: target.address,
        port,
        username: user,
        ...auth,
        ...(sock ? { sock } : {}),
        readyTimeout: connectTimeoutMs,
        keepaliveInterval: 5_000,
        keepaliveCountMax: 3,
        ...(known.length ? { algorithms: { serverHostKey: { prepend: known as never, append: [], remove: [] } } } : {}),
        hostVerifier: (key: Buffer) => {
          const verdict = verifyHostKey(entries, name, key);
          if (verdict.status === 'match') return true;
          if (verdict.status === 'unknown' && this.options.acceptNewHostKeys) {
            accepted = key;
            return true;
          }
          rejection = hostKeyError(target, name, key, verdict, this.options.knownHostsFile);
          return false;
        },
      });
    });
  }

  /** A TCP stream to address:port opened through the jump host's connection (`direct-tcpip`). */
  private async forward(jump: SshTarget, address: string, port: number, forHost: string): Promise<ClientChannel> {
    const client = await this.connect(jump);
    return new Promise((resolve, reject) => {
      client.forwardOut('127.0.0.1', 0, address, port, (err, stream) => {
        if (err) reject(new EnvironmentError(`jump host ${jump.name} cannot reach ${address}:${port}: ${err.message}`, 'check that the jump host can reach the target and that AllowTcpForwarding is on', forHost));
        else resolve(stream);
      });
    });
  }
}

async function appendKnownHost(file: string, line: string): Promise<void> {
  mkdirp(dirname(file));
  await appendFile(file, line + '\n', { mode: 0o600 });
}

function hostKeyError(target: SshTarget, name: string, key: Buffer, verdict: HostKeyVerdict, file: string): HostKeyError {
  const presented = fingerprint(key);
  const type = keyTypeOfBlob(key);
  if (verdict.status === 'changed') {
    const known = verdict.known.map((e) => `${e.keyType} ${fingerprint(e.key)} (${file}:${e.line})`);
    return new HostKeyError(
      target.name,
      `the host key of ${name} has CHANGED: it presented ${type} ${presented}, known_hosts has ${known.join(', ')}; refusing to connect (possible man-in-the-middle)`,
      `if the host was really reinstalled, remove the old line with \`ssh-keygen -R '${name}' -f ${file}\` and rerun with --accept-new-host-keys`,
      'changed',
      presented,
      known,
    );
  }
  if (verdict.status === 'revoked') {
    return new HostKeyError(target.name, `the host key of ${name} (${type} ${presented}) is marked @revoked in ${file}`, 'the host presents a revoked key: do not connect until it is rekeyed', 'revoked', presented, []);
  }
  return new HostKeyError(
    target.name,
    `the host key of ${name} is not in ${file} (it presented ${type} ${presented}); refusing to trust it implicitly`,
    'check the fingerprint on the host (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`), then rerun with --accept-new-host-keys to record it',
    'unknown',
    presented,
    [],
  );
}

function connectError(target: SshTarget, err: Error & { code?: string; level?: string }): EnvironmentError {
  const where = `${target.address}:${target.port ?? 22}${target.jump ? ` (via ${target.jump.name})` : ''}`;
  if (err instanceof EnvironmentError) return err;
  if (err.level === 'client-authentication') {
    return new EnvironmentError(`SSH authentication as ${target.user ?? 'root'} at ${where} failed (wrong key?)`, target.keyFile ? `check that ${target.keyFile} is authorised for ${target.user ?? 'root'} on the host` : 'add the right key to the SSH agent or set ssh.keyFile', target.name);
  }
  if (err.level === 'client-timeout' || /Timed out/i.test(err.message)) {
    return new EnvironmentError(`SSH to ${where} timed out`, 'is the host up and is sshd listening? is this the right network namespace (--netns)?', target.name);
  }
  const code = err.code ? ` (${err.code})` : '';
  return new EnvironmentError(`cannot reach ${where}${code}: ${err.message}`, 'is the host up and is sshd listening? is this the right network namespace (--netns)?', target.name);
}

class SshHost implements RemoteHost {
  readonly name: string;
  constructor(
    private readonly pool: SshPool,
    private readonly target: SshTarget,
  ) {
    this.name = target.name;
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const user = this.target.user ?? 'root';
    const wire = wrapForUser(user, command);
    const shown = options.label ?? (user === 'root' ? command : `sudo -n ${command}`);
    const timeoutMs = options.timeoutMs ?? this.pool.options.commandTimeoutMs ?? 120_000;
    const client = await this.pool.connect(this.target);
    return new Promise<ExecResult>((resolve, reject) => {
      client.exec(wire, (err, stream) => {
        if (err) return reject(new RemoteCommandError(this.name, shown, null, `cannot open an SSH channel: ${err.message}`));
        const out: Buffer[] = [];
        const errs: Buffer[] = [];
        let done = false;
        const timer = setTimeout(() => {
          if (done) return;
          done = true;
          // Ask sshd to kill the command, then drop the channel.
          try {
            stream.signal('KILL');
          } catch {
            /* not all servers support signals */
          }
          stream.close();
          reject(new RemoteCommandError(this.name, shown, null, tail(Buffer.concat(errs).toString('utf8')), undefined, true));
        }, timeoutMs);
        stream.on('data', (d: Buffer) => out.push(d));
        stream.stderr.on('data', (d: Buffer) => errs.push(d));
        stream.on('close', (code: number | null, signal?: string) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          const result: ExecResult = { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errs).toString('utf8'), exitCode: code ?? null };
          if (signal) result.signal = signal;
          resolve(result);
        });
        stream.on('error', () => undefined);
        if (options.stdin !== undefined) stream.end(options.stdin);
        else stream.end();
      });
    });
  }

  async run(command: string, options: ExecOptions = {}): Promise<string> {
    const r = await this.exec(command, options);
    if (r.exitCode === 0) return r.stdout;
    const user = this.target.user ?? 'root';
    if (user !== 'root' && /sudo: .*password is required|sudo: a terminal is required/.test(r.stderr)) {
      throw new EnvironmentError(`${user} cannot run commands as root without a password (sudo -n failed)`, `allow passwordless sudo for ${user} (e.g. \`${user} ALL=(ALL) NOPASSWD:ALL\` in /etc/sudoers.d/kubeha) or connect as root`, this.name);
    }
    throw new RemoteCommandError(this.name, options.label ?? (user === 'root' ? command : `sudo -n ${command}`), r.exitCode, tail(r.stderr || r.stdout), r.signal);
  }
}

/** SSH targets from the spec's hosts, resolving `jumpHost` (a host name of the spec, or user@address:port). */
export function targetsFromSpec(
  hosts: { name: string; address: string; ssh: { user: string; port: number; keyFile?: string; jumpHost?: string } }[],
  resolveKey: (keyFile: string) => string = (k) => k,
): Map<string, SshTarget> {
  const base = new Map<string, SshTarget>();
  for (const h of hosts) {
    const t: SshTarget = { name: h.name, address: h.address, port: h.ssh.port, user: h.ssh.user };
    if (h.ssh.keyFile) t.keyFile = resolveKey(h.ssh.keyFile);
    base.set(h.name, t);
  }
  for (const h of hosts) {
    const jump = h.ssh.jumpHost;
    if (!jump) continue;
    const t = base.get(h.name);
    if (!t) continue;
    const named = base.get(jump);
    if (named) {
      if (named.name !== h.name) t.jump = { ...named };
      continue;
    }
    const m = /^(?:([^@]+)@)?([^:@]+)(?::(\d+))?$/.exec(jump);
    if (m?.[2]) {
      const jt: SshTarget = { name: jump, address: m[2], port: m[3] ? Number(m[3]) : 22, user: m[1] ?? t.user ?? 'root' };
      if (t.keyFile) jt.keyFile = t.keyFile;
      t.jump = jt;
    }
  }
  return base;
}
