import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { parseSpec } from '../cluster-spec/load.js';
import { dashboardApp } from '../dashboard/server.js';
import { portOwner } from '../dashboard/port-owner.js';
import type { LabInfo } from '../dashboard/views.js';
import { hasErrors } from '../diag/diagnostic.js';
import type { Diagnostic } from '../diag/diagnostic.js';
import { InputError } from '../diag/errors.js';
import { renderDiagnostics } from '../diag/render.js';
import { maskSecretsInLine } from '../diag/secrets.js';
import { labInfoFor, openDashboard, parseDrillFile } from '../ops/dashboard.js';
import type { PastDrills } from '../ops/dashboard.js';
import type { Session } from '../ops/session.js';
import { ExitCode } from './exit-codes.js';
import { readTextFile } from './io.js';
import { openReach } from './reach.js';
import { addReachOptions } from './reach-options.js';
import type { ReachOptions } from './reach-options.js';

interface DashboardOptions extends ReachOptions {
  port: string;
  bind: string;
  drills?: string[];
  interval: string;
}

const DEFAULT_BENCH = 'bench-results/ha.json';
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

const bad = (d: Diagnostic): InputError => new InputError([d]);

/** Whether a bind address is this machine's loopback interface, where no token is asked. 127.0.0.2 and others are not. */
export const isLoopbackBind = (bind: string): boolean => LOOPBACK.has(bind);

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65_535) throw bad({ code: 'KUBEHA_BAD_ARGUMENT', severity: 'error', message: `--port must be an integer from 0 to 65535, got "${value}"`, hint: 'e.g. --port 8080 (0: any free port)' });
  return n;
}

function parseBind(value: string): string {
  if (value !== 'localhost' && isIP(value) === 0) throw bad({ code: 'KUBEHA_BAD_ARGUMENT', severity: 'error', message: `--bind must be an IP address (or localhost), got "${value}"`, hint: 'e.g. --bind 127.0.0.1 (the default), or an address of this machine to share the dashboard (a token is then required)' });
  return value;
}

async function pastDrills(files: readonly string[] | undefined): Promise<PastDrills[]> {
  const out: PastDrills[] = [];
  const list = files ?? (existsSync(DEFAULT_BENCH) ? [DEFAULT_BENCH] : []);
  for (const file of list) {
    const parsed = parseDrillFile(await readTextFile(file));
    if ('error' in parsed) {
      // A file named on the command line must be right; the default one is only shown when it is.
      if (files) throw bad({ code: 'KUBEHA_DRILLS_FILE', severity: 'error', message: `${file}: ${parsed.error}`, file, line: 1, col: 1, hint: 'pass `kubeha drill --output json` output or bench-results/ha.json' });
      process.stderr.write(`${file}: skipped: ${parsed.error}\n`);
      continue;
    }
    out.push({ file, results: parsed });
  }
  return out;
}

async function listen(server: ReturnType<typeof createAdaptorServer>, port: number, bind: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once('error', onError);
    server.listen(port, bind, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

async function dashboardCommand(specPath: string, opts: DashboardOptions): Promise<number> {
  const port = parsePort(opts.port);
  const bind = parseBind(opts.bind);
  const every = Number(opts.interval);
  if (!Number.isFinite(every) || every < 0.5 || every > 60) throw bad({ code: 'E_ARG', severity: 'error', message: `--interval must be from 0.5 to 60 seconds, got "${opts.interval}"`, hint: 'e.g. --interval 2' });
  // File problems (missing, binary, …) are bad input; a spec that fails check is shown on the page.
  const specText = await readTextFile(specPath);
  const loaded = parseSpec(specText, specPath, { force: opts.force === true });
  const past = await pastDrills(opts.drills);
  const valid = loaded.spec !== undefined && !hasErrors(loaded.diagnostics);
  if (loaded.diagnostics.length > 0) process.stderr.write(renderDiagnostics(loaded.diagnostics) + '\n');
  const lab: LabInfo = valid ? await labInfoFor(loaded.spec!) : { kind: 'none' };
  // A lab that exists but is not up: its hosts are not looked at (the page says how to start it).
  const session: Session | undefined = valid && lab.kind !== 'down' ? await openReach(specPath, { ...opts, timeout: opts.timeout ?? '5' }) : undefined;
  const hub = openDashboard({
    specPath,
    specText,
    spec: loaded.spec,
    diagnostics: loaded.diagnostics,
    session,
    lab,
    past,
    ...(past.some((p) => p.file === DEFAULT_BENCH) ? { benchFile: DEFAULT_BENCH } : past[0] ? { benchFile: past[0].file } : {}),
    intervalMs: every * 1000,
    onProgress: (l) => process.stderr.write(`${l}\n`),
  });
  const token = isLoopbackBind(bind) ? undefined : randomBytes(24).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  const urlHost = bind.includes(':') ? `[${bind}]` : bind;
  const hosts: string[] = [];
  const app = dashboardApp(hub, { ...(token ? { token } : {}), csrf, hosts });
  const server = createAdaptorServer({ fetch: app.fetch });
  let bound: number;
  try {
    bound = await listen(server, port, bind);
  } catch (e) {
    await hub.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      const owner = await portOwner(port).catch(() => undefined);
      const who = owner ? `by process ${owner.pid} (${maskSecretsInLine(owner.command)})` : 'by another process (not readable by this user; `ss -ltnp` as root names it)';
      throw bad({ code: 'KUBEHA_PORT_IN_USE', severity: 'error', message: `port ${port} on ${bind} is in use ${who}`, hint: 'stop that process, or pass another --port (0: any free port)' });
    }
    if (code === 'EADDRNOTAVAIL') throw bad({ code: 'KUBEHA_BAD_ARGUMENT', severity: 'error', message: `--bind ${bind}: no interface of this machine has that address`, hint: 'use 127.0.0.1, or an address `ip -o addr` lists' });
    throw e;
  }
  // Without a token (loopback), only requests for this address are served: a page whose DNS name was rebound to
  // 127.0.0.1 sends its own name. With a token, the token is the guard (a wildcard bind is reached by any address).
  if (!token) hosts.push(`${urlHost}:${bound}`, `localhost:${bound}`, `127.0.0.1:${bound}`, `[::1]:${bound}`);
  const url = `http://${urlHost}:${bound}/${token ? `?token=${token}` : ''}`;
  process.stdout.write(`kubeha dashboard of ${loaded.spec?.name ?? specPath}: ${url}\n`);
  if (token) process.stdout.write(`bound to ${bind}, not loopback: every request needs the token (in the URL above, printed once; the page keeps it in a cookie)\n`);
  process.stdout.write('Ctrl-C stops it.\n');

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  process.stderr.write('stopping (a drill under way is undone first)…\n');
  const closed = new Promise<void>((r) => server.close(() => r()));
  if ('closeAllConnections' in server) server.closeAllConnections();
  await hub.close();
  await closed;
  return ExitCode.Ok;
}

export function registerDashboard(program: Command): void {
  addReachOptions(
    program
      .command('dashboard')
      .description("Serve a small web app: the topology live (VIP holder, HAProxy's view of each apiserver, etcd), the analyser's predictions, and drills you can run and watch (lab).")
      .argument('<spec>', 'cluster spec (YAML)')
      .option('--port <n>', 'TCP port (0: any free port)', '8080')
      .option('--bind <address>', 'address to listen on; anything but 127.0.0.1, ::1 or localhost requires a random token', '127.0.0.1')
      .option('--drills <file...>', `past drills to show: \`kubeha drill --output json\` output or bench-results/ha.json (default: ${DEFAULT_BENCH} when it exists)`)
      .option('--interval <seconds>', 'seconds between looks at the hosts (0.5 to 60)', '2')
      .option('--force', 'a spec choice the rules refuse but that can work is a warning (as check --force)'),
  )
    .addHelpText(
      'after',
      `
Examples:
  kubeha dashboard cluster.yaml                      # http://127.0.0.1:8080/
  sudo kubeha dashboard lab.yaml --port 8081         # in a lab: drills from the page
  kubeha dashboard cluster.yaml --drills drills.json bench-results/ha.json
  kubeha dashboard cluster.yaml --bind 10.0.0.5      # shared: prints a URL with a one-time random token
  curl -s http://127.0.0.1:8080/api/status | jq .verdict

Pages: / (topology, live), /predictions (scenarios and findings, each linked to /explain/CODE), /drills (run one
in a lab, with a confirmation; past drills as timelines; the benchmark table). They work without JavaScript; with
it, server-sent events (/events) update them as status --watch's looks change and as a drill probes.
API: /api/status (as status --output json), /api/analysis (as check --output json), /api/drills (each as drill
--output json). No page or response holds a secret of the spec, its state or its rendered files.
A spec that fails check still starts the dashboard, which shows the errors; a lab that is not up is said so.
Exit codes: 0 stopped with Ctrl-C, 2 bad input (arguments, unreadable spec, port in use: the process is named),
3 environment.`,
    )
    .action(async (spec: string, opts: DashboardOptions) => {
      process.exitCode = await dashboardCommand(spec, opts);
    });
}
