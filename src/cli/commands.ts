import type { Command } from 'commander';

/** Every subcommand module registers itself here; one line per command. */
export const commands: ((program: Command) => void)[] = [];
