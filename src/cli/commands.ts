import type { Command } from 'commander';

/**
 * Every subcommand, one line each, loaded only when it runs: `kubeha --version` and `kubeha --help` load none of
 * them (loading all cost 4–5× a bare `node -e 0`). `term` and `description` are what `kubeha --help` lists; they are
 * the loaded command's own (test/cli/commands.test.ts compares them).
 */
export interface CommandEntry {
  name: string;
  /** Name, `[options]` and arguments, as commander prints the loaded command in the list of commands. */
  term: string;
  description: string;
  /** The module's register function; it adds the real command (and its subcommands) to the program. */
  load: () => Promise<(program: Command) => void>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'init', term: 'init [options]', description: 'Print a commented example cluster spec (every field explained).', load: async () => (await import('./init.js')).registerInit },
  {
    name: 'check',
    term: 'check [options] <spec>',
    description: 'Validate a cluster spec and analyse what it renders: findings, and who holds the VIP and whether the API stays reachable after every single failure.',
    load: async () => (await import('./check.js')).registerCheck,
  },
  { name: 'schema', term: 'schema', description: "Print the spec's JSON Schema (draft-07) for editors and CI validators.", load: async () => (await import('./schema.js')).registerSchema },
  {
    name: 'render',
    term: 'render [options] <spec>',
    description: 'Write every file each host needs into DIR/<host>/<real path>, plus DIR/hosts.yaml (analyzable with `kubeha analyze DIR`).',
    load: async () => (await import('./render.js')).registerRender,
  },
  { name: 'import', term: 'import', description: 'Turn a KubeKey config or an ansible inventory into a kubeha spec.', load: async () => (await import('./import.js')).registerImport },
  { name: 'export', term: 'export', description: 'Write the configuration of another tool from a kubeha spec.', load: async () => (await import('./export.js')).registerExport },
  {
    name: 'analyze',
    term: 'analyze [options] [dir]',
    description: 'Analyse configs people already run (a mirror DIR of haproxy.cfg, keepalived.conf, scripts): rules plus every single-failure scenario.',
    load: async () => (await import('./analyze.js')).registerAnalyze,
  },
  { name: 'explain', term: 'explain [options] [code]', description: "Print a code's why, its source and the fix (or list every code kubeha can print).", load: async () => (await import('./explain.js')).registerExplain },
  {
    name: 'plan',
    term: 'plan [options] <spec>',
    description: 'Show, per host, what apply would change: packages, files (unified diffs, secrets masked), services, and why. Read-only.',
    load: async () => (await import('./plan.js')).registerPlan,
  },
  {
    name: 'apply',
    term: 'apply [options] <spec>',
    description: 'Converge the hosts: preflight, packages, files (validated, atomic), services, verify; all hosts in parallel.',
    load: async () => (await import('./apply.js')).registerApply,
  },
  {
    name: 'status',
    term: 'status [options] <spec>',
    description: "Show the control plane's HA state now: a verdict, keepalived and the VIP per LB, HAProxy's view of every backend, /readyz through the endpoint and on each master, etcd's health.",
    load: async () => (await import('./status.js')).registerStatus,
  },
  {
    name: 'drill',
    term: 'drill [options] <spec>',
    description: "Break one piece on purpose while a client probes the endpoint, undo it, and hold the measured outage against the analyser's prediction.",
    load: async () => (await import('./drill.js')).registerDrill,
  },
  {
    name: 'dashboard',
    term: 'dashboard [options] <spec>',
    description: "Serve a small web app: the topology live (VIP holder, HAProxy's view of each apiserver, etcd), the analyser's predictions, and drills you can run and watch (lab).",
    load: async () => (await import('./dashboard.js')).registerDashboard,
  },
  {
    name: 'kubeconfig',
    term: 'kubeconfig [options] <spec>',
    description: "Print a user's kubeconfig (server = the endpoint, the cluster CA and a client certificate embedded), from kubeha's PKI.",
    load: async () => (await import('./kubeconfig.js')).registerKubeconfig,
  },
  {
    name: 'kubectl',
    term: 'kubectl [options] <spec> [args...]',
    description: "Run the kubectl of the cluster's version (kubeha's cache, never one on PATH) with an admin kubeconfig against the endpoint, from the client side.",
    load: async () => (await import('./kubectl.js')).registerKubectl,
  },
  {
    name: 'certs',
    term: 'certs',
    description: "Check and renew the cluster's certificates: every host's and the state directory's.",
    load: async () => (await import('./certs.js')).registerCerts,
  },
  {
    name: 'lab',
    term: 'lab',
    description: "Make a spec's hosts real on this machine: booted Debian hosts (systemd-nspawn) at the spec's addresses, reachable over SSH only from inside the lab.",
    load: async () => (await import('./lab.js')).registerLab,
  },
  {
    name: 'bundle',
    term: 'bundle [options]',
    description: 'Build the offline bundle: the .deb packages the cluster needs, with their dependencies for the target (Debian bookworm base), as a local apt repository.',
    load: async () => (await import('./bundle.js')).registerBundle,
  },
];

/**
 * The subcommand that argv runs (or asks help for: `kubeha help check`), if any. kubeha's own options (`-V`, `-h`)
 * take no value, so the first word that is not an option is the command.
 */
export function invokedCommand(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}
