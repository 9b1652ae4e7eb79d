import type { Command } from 'commander';
import { Argument, InvalidArgumentError, Option } from 'commander';
import { EnvironmentError, InputError } from '../diag/errors.js';
import { sweepDeadBuilds } from '../lab/cache.js';
import { applyFault, applyLinkFault, hostOf } from '../lab/faults.js';
import { labDown, labStatus, labUp, preflight, resolveLab, type LabStatus } from '../lab/lab.js';
import { locateLabDiagnostics } from '../lab/locate.js';
import { labInputFromSpec } from '../lab/plan.js';
import { sshArgv, waitForSsh } from '../lab/ssh.js';
import { listLabs } from '../lab/state.js';
import { execInTaskbox, runInherited } from '../lab/taskbox.js';
import { LAB_FAULTS, LINK_FAULTS, parseLinkFault, type LabFault } from '../model/failure.js';
import { loadSpecFile, readTextFile } from './io.js';

type Format = 'text' | 'json';
const outputOption = (): Option => new Option('--output <format>', 'output format').choices(['text', 'json']).default('text');

/** A positive number of seconds, else commander's usage error (exit 2). */
export function positiveSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number of seconds, e.g. 90');
  return n;
}

function formatStatus(s: LabStatus): string {
  const w = Math.max(4, ...s.hosts.map((h) => h.name.length));
  const lines = [
    `lab ${s.lab} (${s.phase}): subnet ${s.subnet}, taskbox ${s.taskbox.address} in netns ${s.taskbox.netns}`,
    `  ${'HOST'.padEnd(w)}  ${'ADDRESS'.padEnd(15)}  ${'POWER'.padEnd(7)}  ${'LINK'.padEnd(6)}  PID`,
    ...s.hosts.map((h) => `  ${h.name.padEnd(w)}  ${h.address.padEnd(15)}  ${h.power.padEnd(7)}  ${h.link.padEnd(6)}  ${h.pid ?? '-'}`),
    `  key ${s.keyFile}, known_hosts ${s.knownHostsFile}`,
  ];
  return lines.join('\n');
}

function howToReach(s: LabStatus): string {
  const name = ` --name ${s.lab}`;
  return [
    `lab ${s.lab} is up: ${s.hosts.length} hosts on ${s.subnet} (only reachable from inside the lab)`,
    ...s.hosts.map((h) => `  ${h.name.padEnd(10)} ${h.address.padEnd(15)} kubeha lab ssh ${h.name}${name}`),
    `  client side: kubeha lab exec-client${name} -- <command>   (taskbox ${s.taskbox.address})`,
    `  remove it:   kubeha lab down${name}`,
  ].join('\n');
}

export function registerLab(program: Command): void {
  const lab = program
    .command('lab')
    .description("Make a spec's hosts real on this machine: booted Debian hosts (systemd-nspawn) at the spec's addresses, reachable over SSH only from inside the lab.")
    .addHelpText(
      'after',
      `
Examples:
  sudo kubeha lab up examples/cluster.yaml
  sudo kubeha lab status --output json
  sudo kubeha lab ssh lb0 -- systemctl is-system-running
  sudo kubeha lab exec-client -- curl -sk https://10.77.0.10:6443/readyz
  sudo kubeha lab fault lb0 power-off
  sudo kubeha lab down

Every lab command needs root. Docs: docs/lab.md`,
    );
  addUp(lab);
  addStatus(lab);
  addSsh(lab);
  addExecClient(lab);
  addFault(lab);
  addDown(lab);
}

/** `lab up`: make the spec's hosts real and print how to reach them. */
function addUp(lab: Command): void {
  lab
    .command('up')
    .description('Create the lab: a base image (cached), one overlay, network namespace and booted container per host, a switch and a taskbox.')
    .argument('<spec>', 'cluster spec (YAML)')
    .option('--name <name>', 'lab name (default: the cluster name)')
    .addOption(new Option('--ssh-timeout <seconds>', 'how long to wait for SSH on every host').argParser(positiveSeconds).default(60))
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
Examples:
  sudo kubeha lab up examples/cluster.yaml
  sudo kubeha lab up cluster.yaml --name drill-2 --output json

Progress goes to stderr, one line per step and host. The first run builds the base image with debootstrap
(about a minute; cached under /var/cache/kubeha, or $KUBEHA_CACHE). Lab state: /var/lib/kubeha/labs/<name>.
Exit codes: 0 up and every host answers SSH, 2 bad spec or a clash with another lab (nothing changed),
3 not root, a tool missing, or a host not reachable.`,
    )
    .action(async (specPath: string, opts: { name?: string; sshTimeout: number; output: Format }) => {
      preflight();
      const spec = await loadSpecFile(specPath);
      const input = labInputFromSpec(spec, opts.name ?? spec.name, specPath);
      const state = await labUp(input, {
        sshTimeoutMs: opts.sshTimeout * 1000,
        onEvent: (e) => process.stderr.write(`[${e.at.toFixed(1).padStart(5)}s] ${e.host ? `${e.host}: ` : ''}${e.message}\n`),
      }).catch(async (e: unknown) => {
        // The lab's checks name hosts: point them at the spec's lines, like every other bad-input error.
        if (!(e instanceof InputError)) throw e;
        const names = spec.hosts.map((h) => h.name);
        throw new InputError(locateLabDiagnostics(e.diagnostics, await readTextFile(specPath), names, opts.name === undefined));
      });
      const status = await labStatus(state);
      process.stdout.write((opts.output === 'json' ? JSON.stringify(status, null, 2) : howToReach(status)) + '\n');
    });
}

/** `lab status`: every lab, or one, as a table or JSON (what `apply` and other clients read). */
function addStatus(lab: Command): void {
  lab
    .command('status')
    .description('Show labs, their hosts (power, link, PID), the taskbox, and the key and known_hosts files.')
    .option('--name <name>', 'only this lab')
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
Examples:
  sudo kubeha lab status
  sudo kubeha lab status --name demo --output json

JSON: an array of labs: {lab, phase, subnet, createdAt, stateFile, keyFile, knownHostsFile, switchNetns,
taskbox: {netns, address}, hosts: [{name, address, netns, machine, pid, power, link, ssh}]}.
A client of the lab (e.g. an ssh2 program) runs in taskbox.netns (ip netns exec) with keyFile and
verifies host keys against knownHostsFile.`,
    )
    .action(async (opts: { name?: string; output: Format }) => {
      preflight([]);
      const states = opts.name ? [await resolveLab(opts.name)] : await listLabs();
      const all = await Promise.all(states.map((s) => labStatus(s)));
      if (opts.output === 'json') process.stdout.write(JSON.stringify(all, null, 2) + '\n');
      else process.stdout.write((all.length ? all.map(formatStatus).join('\n\n') : 'no lab') + '\n');
    });
}

/** `lab ssh`: a shell or a command on a host, from inside the taskbox. */
function addSsh(lab: Command): void {
  lab
    .command('ssh')
    .description('SSH to a lab host as root, from inside the taskbox, with strict host-key checking.')
    .argument('<host>', 'host name from the spec')
    .argument('[command...]', 'command to run (after --); an interactive shell when absent')
    .option('--name <name>', 'lab name (default: the only lab)')
    .addHelpText(
      'after',
      `
Examples:
  sudo kubeha lab ssh master1
  sudo kubeha lab ssh lb0 -- ip -br addr
Exit code: the remote command's (255 when SSH itself fails).`,
    )
    .action(async (host: string, command: string[], opts: { name?: string }) => {
      preflight([]);
      const state = await resolveLab(opts.name);
      const h = hostOf(state, host);
      const tty = command.length === 0 && process.stdin.isTTY;
      process.exitCode = await runInherited(sshArgv(state.plan, h, command, tty));
    });
}

/** `lab exec-client`: a command on the client side of the lab (the taskbox namespace). */
function addExecClient(lab: Command): void {
  lab
    .command('exec-client')
    .description('Run a command in the taskbox namespace: the client side of the lab, on the lab network.')
    .argument('<command...>', 'command and arguments (after --)')
    .option('--name <name>', 'lab name (default: the only lab)')
    .addHelpText(
      'after',
      `
Examples:
  sudo kubeha lab exec-client -- ping -c1 10.77.0.11
  sudo kubeha lab exec-client -- curl -sk https://10.77.0.10:6443/readyz
Exit code: the command's.`,
    )
    .action(async (command: string[], opts: { name?: string }) => {
      preflight([]);
      const state = await resolveLab(opts.name);
      process.exitCode = await execInTaskbox(state.plan, command);
    });
}

/** `lab fault`: inject a fault into a host, or undo it. */
function addFault(lab: Command): void {
  lab
    .command('fault')
    .description('Inject a fault into a lab host, or undo it.')
    .argument('<host>', 'host name')
    .addArgument(new Argument('<fault>', 'the fault').choices([...LAB_FAULTS, ...LINK_FAULTS]))
    .argument('[value]', 'delay: a duration (50ms); loss: a percentage (5%)')
    .option('--name <name>', 'lab name (default: the only lab)')
    .option('--no-wait', 'power-on: do not wait until SSH answers')
    .addOption(new Option('--output <format>', 'text, or json: {host, fault, message, at} (at: epoch ms the fault took effect)').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      `
Faults:
  power-off   kill every process of the host at once (a power cut); power-on boots it again
  link-down   the host's port on the lab switch goes down (cable pulled); link-up restores it
  freeze      SIGSTOP to every process of the host (a hung VM); thaw sends SIGCONT
  delay D     every packet on the host's link delayed by D each way (netem; without sch_netem, kubeha's packet
              delayer: NFQUEUE in the host's namespace, needs iptables and Go once; docs/lab.md)
  loss P%     P% of packets on the host's link dropped each way (nftables)
  clear       no delay, no loss
Examples:
  sudo kubeha lab fault lb0 power-off
  sudo kubeha lab fault lb0 power-on
  sudo kubeha lab fault master2 link-down
  sudo kubeha lab fault lb1 delay 50ms
  sudo kubeha lab fault lb1 loss 5%
  sudo kubeha lab fault lb1 clear
Exit codes: 0 done, 2 bad input (unknown host, bad value), 3 environment (not root; no netem and no iptables or Go for the packet delayer).`,
    )
    .action(async (host: string, fault: LabFault | (typeof LINK_FAULTS)[number], value: string | undefined, opts: { name?: string; wait: boolean; output: Format }) => {
      preflight([]);
      const state = await resolveLab(opts.name);
      const say = (message: string, at: number): void =>
        void process.stdout.write((opts.output === 'json' ? JSON.stringify({ host, fault, message, at }) : message) + '\n');
      if (fault === 'delay' || fault === 'loss' || fault === 'clear') {
        const parsed = parseLinkFault(fault, value);
        if (!parsed.ok) throw new InputError([parsed.problem]);
        const message = await applyLinkFault(state, host, parsed.fault);
        say(message, Date.now());
        return;
      }
      if (value !== undefined) throw new InputError([{ code: 'LAB_LINK_FAULT', severity: 'error', message: `${fault} takes no value, got "${value}"`, hint: `write: kubeha lab fault ${host} ${fault}` }]);
      let at = 0;
      const message = await applyFault(state, host, fault, (t) => (at = t));
      say(message, at || Date.now());
      if (fault === 'power-on' && opts.wait) {
        const h = hostOf(state, host);
        if (!(await waitForSsh(state.plan, h, 60_000))) throw new EnvironmentError(`${host} did not answer SSH within 60 s after power-on`, `see ${h.log}`, host);
        if (opts.output === 'text') process.stdout.write(`${host}: ssh ready\n`);
      }
    });
}

/** `lab down`: remove one lab, or all, and whatever a killed build left in the cache. */
function addDown(lab: Command): void {
  lab
    .command('down')
    .description('Remove the lab: hosts halted, processes, mounts, namespaces and state gone. Idempotent; works after the creating process was killed.')
    .option('--name <name>', 'lab name (default: the only lab)')
    .option('--all', 'remove every lab')
    .addHelpText(
      'after',
      `
Examples:
  sudo kubeha lab down
  sudo kubeha lab down --name demo
  sudo kubeha lab down --all
Exit code 0 also when there was nothing to remove.`,
    )
    .action(async (opts: { name?: string; all?: boolean }) => {
      preflight([]);
      const names = opts.all || !opts.name ? (await listLabs()).map((s) => s.plan.lab) : [opts.name];
      if (!opts.all && !opts.name && names.length > 1)
        throw new EnvironmentError(`${names.length} labs exist: ${names.join(', ')}`, 'choose one with --name, or remove all with --all');
      if (names.length === 0) process.stdout.write('no lab to remove\n');
      for (const n of names) {
        const removed = await labDown(n);
        process.stdout.write(removed.length ? `lab ${n} removed (${removed.length} items)\n` : `lab ${n}: nothing to remove\n`);
      }
      // A `lab up` killed while it built the base image leaves the build behind (debootstrap's mounts in it).
      for (const item of await sweepDeadBuilds()) process.stdout.write(`removed ${item}\n`);
    });
}
