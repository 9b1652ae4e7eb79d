import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The apiserver backends of a lab's masters, for tests and drills run by hand: today the stand-in apiserver
 * (test/fixtures/stand-in-apiserver, a TEST FIXTURE), one HTTPS server per master inside its network namespace.
 * This module is the one place a test starts backends, so that swapping in the real kube-apiserver changes only it.
 *
 * As a script (a lab up and applied, backends for a drill by hand; runs until SIGINT/SIGTERM):
 *   node --import tsx test/helpers/backends.ts --lab drills --hosts master1,master2,master3 [--port 6443]
 */

const ROOT = resolve(import.meta.dirname, '../..');
const SERVER = join(ROOT, 'test/fixtures/stand-in-apiserver/server.mjs');

export interface BackendHost {
  name: string;
  address: string;
  netns: string;
}

export interface Backends {
  /** Stops every backend this call started (by PID) and removes its key material. */
  stop(): Promise<void>;
}

/** Starts one backend per host and resolves once each one listens. */
export async function startBackends(hosts: readonly BackendHost[], port = 6443): Promise<Backends> {
  const pki = mkdtempSync(join(tmpdir(), 'kubeha-backends-'));
  const ossl = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=stand-in-apiserver', '-keyout', join(pki, 'key.pem'), '-out', join(pki, 'cert.pem')], { encoding: 'utf8' });
  if (ossl.status !== 0) throw new Error(`openssl: ${ossl.stderr}`);
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((res) => {
            if (!c.pid || c.exitCode !== null || c.signalCode !== null) return res();
            c.once('exit', () => res());
            process.kill(c.pid, 'SIGTERM');
            setTimeout(() => {
              if (c.exitCode === null && c.signalCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
            }, 3000).unref();
          }),
      ),
    );
    rmSync(pki, { recursive: true, force: true });
  };
  try {
    for (const h of hosts) {
      const child = spawn('ip', ['netns', 'exec', h.netns, process.execPath, SERVER, '--name', h.name, '--address', h.address, '--port', String(port), '--cert', join(pki, 'cert.pem'), '--key', join(pki, 'key.pem')], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      await new Promise<void>((res, rej) => {
        child.stdout.once('data', () => res());
        child.once('exit', (code) => rej(new Error(`backend on ${h.name} exited with ${code}`)));
      });
      child.stdout.resume();
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { stop };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const lab = arg('lab');
  const names = (arg('hosts') ?? '').split(',').filter(Boolean);
  if (!lab || names.length === 0) {
    process.stderr.write('usage: backends.ts --lab NAME --hosts m1,m2 [--port 6443]\n');
    process.exit(2);
  }
  const status = spawnSync(process.execPath, [join(ROOT, 'bin/kubeha'), 'lab', 'status', '--name', lab, '--output', 'json'], { encoding: 'utf8' });
  const labHosts = (JSON.parse(status.stdout) as { hosts: BackendHost[] }[])[0]?.hosts ?? [];
  const chosen = names.map((n) => labHosts.find((h) => h.name === n) ?? { name: n, address: '', netns: '' });
  const backends = await startBackends(chosen, Number(arg('port') ?? 6443));
  process.stdout.write(`backends up on ${names.join(', ')}\n`);
  const quit = (): void => void backends.stop().then(() => process.exit(0));
  process.on('SIGINT', quit);
  process.on('SIGTERM', quit);
}
