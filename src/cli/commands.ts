import type { Command } from 'commander';
import { registerRender } from './render.js';

/** Every subcommand module registers itself here; one line per command. */
export const commands: ((program: Command) => void)[] = [
  registerRender,
];
