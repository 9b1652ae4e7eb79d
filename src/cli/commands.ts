import type { Command } from 'commander';
import { registerRender } from './render.js';
import { registerImport } from './import.js';
import { registerExport } from './export.js';

/** Every subcommand module registers itself here; one line per command. */
export const commands: ((program: Command) => void)[] = [
  registerRender,
  registerImport,
  registerExport,
];
