import type { Command } from 'commander';
import { Option } from 'commander';
import { InputError } from '../diag/errors.js';
import { nonEmptyPath, writeOutputFile } from './io.js';
import { exampleSpec, TOPOLOGIES, type Topology } from '../cluster-spec/examples.js';

/** `kubeha init`: prints (or writes) a commented example spec for a topology. */
export function registerInit(program: Command): void {
  program
    .command('init')
    .description('Print a commented example cluster spec (every field explained).')
    .addOption(new Option('-t, --topology <topology>', 'dedicated-lb: 2 LB hosts + 3 masters + 3 workers; stacked: LB on the masters; external-lb: a cloud LB').choices([...TOPOLOGIES]).default('dedicated-lb'))
    .option('-n, --name <name>', 'cluster name (a DNS label)', 'demo')
    .option('-o, --out <file>', 'write to FILE instead of stdout (refuses to overwrite)', nonEmptyPath)
    .option('--force', 'overwrite FILE if it exists')
    .addHelpText(
      'after',
      `
Examples:
  kubeha init > cluster.yaml
  kubeha init --topology stacked -o stacked.yaml
  kubeha init --topology external-lb --name prod | kubeha check /dev/stdin

Exit codes: 0 written, 2 bad arguments or -o FILE exists (without --force) or cannot be written.`,
    )
    .action(async (opts: { topology: Topology; name: string; out?: string; force?: boolean }) => {
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(opts.name) || opts.name.length > 63) {
        throw new InputError([
          { code: 'KUBEHA_BAD_ARGUMENT', severity: 'error', message: `--name "${opts.name}" is not a DNS label`, hint: 'use lower-case letters, digits and "-", e.g. prod-eu1' },
        ]);
      }
      const text = exampleSpec(opts.topology, { name: opts.name });
      if (opts.out === undefined) {
        process.stdout.write(text);
        return;
      }
      await writeOutputFile(opts.out, text, { overwrite: opts.force === true, existsHint: 'pass --force to overwrite it, or choose another file' });
      process.stderr.write(`wrote ${opts.out} (topology ${opts.topology}); next: kubeha check ${opts.out}\n`);
    });
}
