import type { Command } from 'commander';
import { Option } from 'commander';
import { chmod, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../diag/errors.js';
import { renderCluster, renderMirrorManifest } from '../render/index.js';
import type { RenderedHost } from '../render/types.js';
import type { ClusterSpec } from '../spec/types.js';
import { defaultStateDir, loadOrCreateSecrets } from '../state/secrets.js';
import { loadSpecFile } from './io.js';

export interface MirrorSummary {
  out: string;
  manifest: string;
  hosts: { host: string; address: string; files: { path: string; bytes: number; mode: string }[]; bytes: number }[];
}

const MANIFEST = 'hosts.yaml';

/**
 * Writes the mirror layout: `<out>/<host>/<path>` for every rendered file (with its mode) and `<out>/hosts.yaml`.
 * A previous mirror in `out` is replaced host by host; any other non-empty directory is refused (exit 2).
 */
export async function writeMirror(out: string, spec: ClusterSpec, rendered: RenderedHost[]): Promise<MirrorSummary> {
  await prepareOut(out, spec);
  const summary: MirrorSummary = { out, manifest: join(out, MANIFEST), hosts: [] };
  for (const h of rendered) {
    const files: MirrorSummary['hosts'][number]['files'] = [];
    for (const f of h.files) {
      const target = join(out, h.host, f.path.replace(/^\/+/, ''));
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, f.content, { mode: f.mode });
      // writeFile's mode is filtered by the umask; the mirror must show the real mode (0600 for secrets).
      await chmod(target, f.mode);
      files.push({ path: f.path, bytes: Buffer.byteLength(f.content), mode: `0${f.mode.toString(8)}` });
    }
    summary.hosts.push({ host: h.host, address: h.address, files, bytes: files.reduce((n, f) => n + f.bytes, 0) });
  }
  await writeFile(summary.manifest, renderMirrorManifest(spec));
  return summary;
}

async function prepareOut(out: string, spec: ClusterSpec): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(out);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return void (await mkdir(out, { recursive: true }));
    throw new InputError([{ code: 'E_OUT_DIR', severity: 'error', message: `cannot use ${out} as output directory: ${(err as Error).message}`, file: out, hint: 'pass --out with a directory path' }]);
  }
  if (entries.length === 0) return;
  if (!entries.includes(MANIFEST))
    throw new InputError([
      {
        code: 'E_OUT_NOT_MIRROR',
        severity: 'error',
        message: `${out} is not empty and holds no ${MANIFEST}: refusing to write a mirror into it`,
        file: out,
        hint: 'pass --out with a new or empty directory, or one that kubeha render wrote before',
      },
    ]);
  // A previous mirror: remove the host directories it names and the ones we are about to write, nothing else.
  const old = await readFile(join(out, MANIFEST), 'utf8');
  const names = new Set([...old.matchAll(/^\s*-\s*name:\s*"?([a-z0-9][-a-z0-9]*)"?\s*$/gm)].map((m) => m[1] ?? ''));
  for (const h of spec.hosts) names.add(h.name);
  names.delete('');
  for (const n of names) await rm(join(out, n), { recursive: true, force: true });
}

export function formatSummary(s: MirrorSummary): string {
  const width = Math.max(4, ...s.hosts.map((h) => h.host.length));
  const lines = [`${'HOST'.padEnd(width)}  ${'ADDRESS'.padEnd(15)}  FILES  BYTES`];
  for (const h of s.hosts) lines.push(`${h.host.padEnd(width)}  ${h.address.padEnd(15)}  ${String(h.files.length).padStart(5)}  ${String(h.bytes).padStart(5)}`);
  const files = s.hosts.reduce((n, h) => n + h.files.length, 0);
  const bytes = s.hosts.reduce((n, h) => n + h.bytes, 0);
  lines.push(`wrote ${files} files (${bytes} bytes) for ${s.hosts.length} hosts under ${s.out}/, manifest ${s.manifest}`);
  return lines.join('\n');
}

export function registerRender(program: Command): void {
  program
    .command('render')
    .description('Write every file each host needs into DIR/<host>/<real path>, plus DIR/hosts.yaml (analyzable with `kubeha analyze DIR`).')
    .argument('<spec>', 'cluster spec (YAML)')
    .requiredOption('--out <dir>', 'output directory (new, empty, or a previous render)')
    .option('--state-dir <dir>', 'where secrets live (default: .kubeha/<cluster name> next to the spec)')
    .addOption(new Option('--output <format>', 'summary format').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      `
Examples:
  kubeha render cluster.yaml --out ./out
  kubeha render cluster.yaml --out ./out --output json
  kubeha render cluster.yaml --out ./out --state-dir /secure/kubeha/demo

Files holding secrets (VRRPv2 auth) are written with mode 0600; the summary never prints their content.
Exit codes: 0 written, 2 bad spec or output directory, 3 secrets directory not writable.`,
    )
    .action(async (specPath: string, opts: { out: string; stateDir?: string; output: 'text' | 'json' }) => {
      const spec = await loadSpecFile(specPath);
      const secrets = await loadOrCreateSecrets(opts.stateDir ?? defaultStateDir(resolve(specPath), spec), spec);
      const summary = await writeMirror(opts.out, spec, renderCluster(spec, secrets));
      process.stdout.write((opts.output === 'json' ? JSON.stringify(summary, null, 2) : formatSummary(summary)) + '\n');
    });
}
