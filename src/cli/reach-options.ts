import type { Command } from 'commander';

/**
 * The options of the commands that act on a spec's hosts over SSH (plan, apply, analyze --from). Apart from the
 * session (src/cli/reach.ts), so that registering them loads no SSH code.
 */

export interface ReachOptions {
  only?: string;
  knownHosts?: string;
  acceptNewHostKeys?: boolean;
  netns?: string;
  stateDir?: string;
  parallel: string;
  timeout?: string;
  /** `--force` of plan and apply: spec errors a rule marks as forcible become warnings. */
  force?: boolean;
}

/** `--force` of check, plan and apply (the spec rules' forcible errors, e.g. an even number of etcd members). */
export const FORCE_HELP = 'go on with a spec choice the rules refuse but that can work (an even number of etcd members): reported as a warning';

export function addReachOptions(cmd: Command): Command {
  return cmd
    .option('--only <hosts>', 'only these hosts (comma-separated names)')
    .option('--known-hosts <file>', 'known_hosts file checked strictly (default: the lab\'s for lab hosts, else ~/.ssh/known_hosts)')
    .option('--accept-new-host-keys', 'trust and record keys of hosts absent from known_hosts (changed keys are always refused)')
    .option('--netns <name>', 'run inside this network namespace (default: the lab\'s taskbox when the spec\'s hosts are lab hosts)')
    .option('--state-dir <dir>', 'secrets and the apply journal (default: .kubeha/<cluster name> next to the spec)')
    .option('--parallel <n>', 'hosts handled at once', '8')
    .option('--timeout <seconds>', 'timeout of one remote command (package installs get 15 minutes)', '120');
}
