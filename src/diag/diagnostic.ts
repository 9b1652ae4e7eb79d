/**
 * The names most of the code base imports problems by: a diagnostic is a Problem (./problem.ts), read
 * from one of the catalog's codes (./catalog.ts), with its excerpt attached by ./collector.ts.
 */
export type { Problem as Diagnostic, Position, Severity } from './problem.js';
export { hasErrors } from './problem.js';
export { attachExcerpt } from './collector.js';
export { didYouMean } from './did-you-mean.js';
export { LineIndex } from './line-index.js';
