import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { EnvironmentError } from '../diag/errors.js';

/**
 * TCP connections opened inside another network namespace, used by this process (a lab's hosts are reachable only
 * from its taskbox). A relay, `ip netns exec NS node -e RELAY`, connects from in there and hands each connected socket
 * back over the IPC channel (SCM_RIGHTS): a socket belongs to the namespace it was created in, so this process then
 * talks to the host directly, with no copying and no second kubeha process. One relay per namespace serves every
 * connection; it dials only the `address:port` pairs it was started with, and exits when this process closes its
 * channel or dies.
 */

/** Opens a connected stream to `address:port` (an SSH transport: ssh2's `sock`). */
export type Dialer = (address: string, port: number, timeoutMs: number) => Promise<Socket>;

/**
 * The relay (CommonJS, run by `node -e`, so that it needs no file of kubeha and no TypeScript loader). argv: the
 * `address:port` pairs it may dial. Ctrl-C is the parent's to handle (the relay is in its process group): it ends
 * with the parent's channel. Sockets stay paused until sent: sshd speaks first, and bytes read here would be lost.
 */
const RELAY = `
const net = require('node:net');
const allowed = new Set(process.argv.slice(1));
process.on('SIGINT', () => {});
process.on('disconnect', () => process.exit(0));
process.on('message', (m) => {
  const reply = (r, s) => { if (process.connected) process.send(Object.assign({ id: m.id }, r), s); };
  if (!allowed.has(m.address + ':' + m.port)) return reply({ code: 'EACCES', error: 'the relay may not dial ' + m.address + ':' + m.port });
  const s = net.connect({ host: m.address, port: m.port });
  s.pause();
  const timer = setTimeout(() => { s.destroy(); reply({ code: 'ETIMEDOUT', error: 'Timed out while connecting to ' + m.address + ':' + m.port }); }, m.timeoutMs);
  s.once('connect', () => { clearTimeout(timer); reply({}, s); });
  s.once('error', (e) => { clearTimeout(timer); reply({ code: e.code, error: e.message }); });
});
`;

interface Reply {
  id: number;
  code?: string;
  error?: string;
}

/** The error of a failed dial, shaped like net.connect's (a `code` and its message), for ssh's error texts. */
function dialError(r: Reply): Error & { code?: string } {
  const err: Error & { code?: string } = new Error(r.error ?? 'connection failed');
  if (r.code) err.code = r.code;
  return err;
}

export interface NetnsDialerOptions {
  /** The `address:port` pairs the relay may dial; anything else is refused, by this process and by the relay. */
  allowed: readonly string[];
  /** Why an address is not allowed (e.g. "not a host of lab demo"), for the error. */
  refusal?: string;
}

/** A {@link Dialer} through a relay in `netns`, started on the first dial. `close()` ends the relay. */
export class NetnsDialer {
  private relay?: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (s: Socket) => void; reject: (e: Error) => void }>();
  private readonly allowed: Set<string>;

  constructor(
    readonly netns: string,
    private readonly options: NetnsDialerOptions,
  ) {
    this.allowed = new Set(options.allowed);
  }

  readonly dial: Dialer = (address, port, timeoutMs) => {
    if (!this.allowed.has(`${address}:${port}`)) {
      return Promise.reject(new EnvironmentError(`${address}:${port} is not reached through network namespace ${this.netns}${this.options.refusal ? `: ${this.options.refusal}` : ''}`));
    }
    const relay = this.start();
    const id = this.nextId++;
    return new Promise<Socket>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.hold(true);
      // A failed send means the relay is gone: its exit settles every pending dial, with its own words.
      relay.send({ id, address, port, timeoutMs }, () => undefined);
    });
  };

  /** Starts the relay now (dials wait for it anyway; starting early overlaps its start-up with other work). */
  start(): ChildProcess {
    if (this.relay) return this.relay;
    const relay = spawn('ip', ['netns', 'exec', this.netns, process.execPath, '-e', RELAY, ...this.allowed], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.relay = relay;
    let stderr = '';
    relay.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    relay.on('message', (m: Reply, socket?: Socket) => {
      if (socket) this.settle(m.id, socket);
      else this.settle(m.id, dialError(m));
    });
    const gone = (why: string): void => {
      if (this.relay === relay) this.relay = undefined;
      for (const id of [...this.pending.keys()]) this.fail(id, why);
    };
    relay.on('error', (err) => gone(`cannot start the relay in network namespace ${this.netns}: ${err.message}`));
    relay.on('exit', (code, signal) => gone(`the relay in network namespace ${this.netns} exited (${signal ?? `code ${code}`})${stderr.trim() ? `: ${stderr.trim().split('\n').at(-1)}` : ''}`));
    this.hold(this.pending.size > 0);
    return relay;
  }

  /** Waiting for an answer keeps this process alive; an idle relay does not. */
  private hold(waiting: boolean): void {
    const relay = this.relay;
    // The stderr pipe is a socket (it has ref/unref), kept for the relay's last words.
    const stderr = relay?.stderr as Socket | null | undefined;
    if (waiting) {
      relay?.ref();
      relay?.channel?.ref();
      stderr?.ref();
    } else {
      relay?.unref();
      relay?.channel?.unref();
      stderr?.unref();
    }
  }

  private fail(id: number, why: string): void {
    this.settle(id, new EnvironmentError(why, 'is the namespace there (`ip netns list`), and is kubeha run as root?'));
  }

  private settle(id: number, outcome: Socket | Error): void {
    const p = this.pending.get(id);
    if (!p) {
      if (!(outcome instanceof Error)) outcome.destroy();
      return;
    }
    this.pending.delete(id);
    if (this.pending.size === 0) this.hold(false);
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }

  /** Ends the relay (connections already handed over stay open). */
  close(): void {
    const relay = this.relay;
    this.relay = undefined;
    if (relay?.connected) relay.disconnect();
  }
}
