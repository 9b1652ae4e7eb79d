import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';

const { Server, utils } = ssh2;

/**
 * A real SSH server in the test process (ssh2.Server on 127.0.0.1): public-key auth, `exec` runs the command with
 * the local `sh` (so commands really run), `signal` kills it, and `direct-tcpip` forwards ONLY to loopback ports (jump
 * host tests; `route` maps other addresses to loopback ports). A fake that is a real program: the same ssh2 protocol code a real server speaks.
 */
export interface TestSshServer {
  port: number;
  /** The host key blob (what known_hosts records). */
  hostKey: Buffer;
  /** A known_hosts line for this server. */
  knownHostsLine: string;
  /** A private key file the server accepts. */
  clientKeyFile: string;
  /** Commands received, in order. */
  commands: string[];
  /** Users that logged in. */
  users: string[];
  close(): Promise<void>;
}

export interface SshServerOptions {
  clientKeyFile?: string;
  clientPublic?: string;
  /** Loopback address to listen on. @default '127.0.0.1' */
  listen?: string;
  /**
   * As a jump host: where a `direct-tcpip` request for ip:port really goes. Must answer a loopback port, so that a
   * spec with ordinary addresses reaches in-process servers without any traffic leaving loopback.
   */
  route?: (ip: string, port: number) => number | undefined;
  /** Environment of the commands (e.g. a PATH with a stand-in `sudo`). */
  env?: NodeJS.ProcessEnv;
}

/**
 * An ed25519 key pair from ssh2. ssh2's generator now and then (about 1 in 1000) encodes a public key whose first
 * byte is zero with 31 bytes, which its own parser then rejects ("Malformed OpenSSH public key"): draw again.
 */
export function ed25519KeyPair(): { private: string; public: string } {
  for (;;) {
    const pair = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(pair.public) instanceof Error)) return pair;
  }
}

export async function startSshServer(options: SshServerOptions = {}): Promise<TestSshServer> {
  const listen = options.listen ?? '127.0.0.1';
  if (!listen.startsWith('127.')) throw new Error('test SSH servers listen on loopback only');
  const dir = mkdtempSync(join(tmpdir(), 'kubeha-sshd-'));
  const host = ed25519KeyPair();
  let clientKeyFile = options.clientKeyFile;
  let clientPublic = options.clientPublic;
  if (!clientKeyFile || !clientPublic) {
    const client = ed25519KeyPair();
    clientKeyFile = join(dir, 'id_ed25519');
    writeFileSync(clientKeyFile, client.private, { mode: 0o600 });
    clientPublic = client.public;
  }
  const allowed = utils.parseKey(clientPublic);
  if (allowed instanceof Error) throw allowed;
  const hostParsed = utils.parseKey(host.private);
  if (hostParsed instanceof Error) throw hostParsed;
  const hostKey = hostParsed.getPublicSSH();
  const commands: string[] = [];
  const users: string[] = [];
  const children = new Set<ReturnType<typeof spawn>>();

  const server = new Server({ hostKeys: [host.private] }, (client) => {
    client.on('authentication', (ctx) => {
      if (ctx.method === 'publickey' && ctx.key.algo === allowed.type && ctx.key.data.equals(allowed.getPublicSSH())) {
        if (ctx.signature && ctx.blob) {
          if (allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) {
            users.push(ctx.username);
            return ctx.accept();
          }
          return ctx.reject();
        }
        return ctx.accept();
      }
      ctx.reject(['publickey']);
    });
    client.on('ready', () => {
      client.on('tcpip', (accept, reject, info) => {
        const routed = options.route?.(info.destIP, info.destPort);
        if (routed === undefined && info.destIP !== '127.0.0.1') return reject();
        const sock = netConnect(routed ?? info.destPort, '127.0.0.1');
        sock.on('connect', () => {
          const stream = accept();
          stream.pipe(sock).pipe(stream);
          stream.on('close', () => sock.destroy());
          sock.on('close', () => stream.close());
        });
        sock.on('error', () => reject());
      });
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        let child: ReturnType<typeof spawn> | undefined;
        session.on('signal', (_accept, _reject, info) => {
          child?.kill(`SIG${info.name}` as NodeJS.Signals);
        });
        session.on('exec', (accept, _reject, info) => {
          const stream = accept();
          commands.push(info.command);
          const c = spawn('sh', ['-c', info.command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true, ...(options.env ? { env: options.env } : {}) });
          child = c;
          children.add(c);
          stream.pipe(c.stdin);
          c.stdin.on('error', () => undefined);
          c.stdout.pipe(stream, { end: false });
          c.stderr.pipe(stream.stderr, { end: false });
          stream.on('close', () => {
            if (c.exitCode === null && c.pid) {
              try {
                process.kill(-c.pid, 'SIGKILL');
              } catch {
                /* gone */
              }
            }
          });
          c.on('close', (code, signal) => {
            children.delete(c);
            try {
              if (signal) stream.exit(signal.replace(/^SIG/, ''), false, '');
              else stream.exit(code ?? 0);
              stream.end();
            } catch {
              /* channel already closed */
            }
          });
        });
      });
    });
    client.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, listen, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    hostKey,
    knownHostsLine: `[${listen}]:${port} ${hostParsed.type} ${hostKey.toString('base64')}`,
    clientKeyFile,
    commands,
    users,
    async close() {
      for (const c of children) if (c.pid) {
        try {
          process.kill(-c.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
