import { runMain } from './main.js';

/** Entry point for `node --import tsx src/cli/entry.ts …` (tests run the CLI from source, no build needed). */
void runMain(process.argv);
