import type { Command } from 'commander';
import { registerInit } from './init.js';
import { registerCheck } from './check.js';
import { registerSchema } from './schema.js';
import { registerRender } from './render.js';
import { registerImport } from './import.js';
import { registerExport } from './export.js';
import { registerAnalyze } from './analyze.js';
import { registerExplain } from './explain.js';
import { registerApply } from './apply.js';
import { registerLab } from './lab.js';
import { registerBundle } from './bundle.js';

/** Every subcommand module registers itself here; one line per command. */
export const commands: ((program: Command) => void)[] = [
  registerInit,
  registerCheck,
  registerSchema,
  registerRender,
  registerImport,
  registerExport,
  registerAnalyze,
  registerExplain,
  registerApply,
  registerLab,
  registerBundle,
];
