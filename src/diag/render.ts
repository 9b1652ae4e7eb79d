import type { Problem } from './problem.js';
import { maskExcerpt } from './secrets.js';

/**
 * The one place problems become text:
 *   file:line:col: error[CODE]: message
 *      |
 *   12 |   priority: abc
 *      |             ^^^
 *      = hint: ...
 */
export function renderDiagnostic(d: Problem): string {
  const where = [d.file ?? '<input>', d.line, d.line !== undefined ? d.col ?? 1 : undefined]
    .filter((p) => p !== undefined)
    .join(':');
  const head = `${where}: ${d.severity}[${d.code}]: ${oneLine(d.message)}`;
  const out = [head];
  if (d.excerpt !== undefined && d.line !== undefined) {
    // Masked here too: an excerpt made anywhere never reaches the terminal with a secret in it.
    // Masked before it is cut: a window must not split a secret out of the pattern that finds it.
    const { text: excerpt, col } = excerptWindow(maskExcerpt(d.excerpt), Math.max(1, d.col ?? 1));
    const num = String(d.line);
    const pad = ' '.repeat(num.length);
    const caretLen = Math.max(1, Math.min(d.length ?? 1, Math.max(1, excerpt.length - col + 1)));
    out.push(`${pad} |`);
    out.push(`${num} | ${visible(excerpt)}`);
    out.push(`${pad} | ${' '.repeat(col - 1)}${'^'.repeat(caretLen)}`);
  }
  if (d.hint) out.push(`  = hint: ${oneLine(d.hint)}`);
  return out.join('\n');
}

/** Excerpts longer than this show a window around the caret (a 100 000-character line is not printed whole). */
const MAX_EXCERPT = 240;

function excerptWindow(line: string, col: number): { text: string; col: number } {
  if (line.length <= MAX_EXCERPT) return { text: line, col };
  const start = Math.max(0, Math.min(col - 1 - 80, line.length - MAX_EXCERPT));
  const head = start > 0 ? '…' : '';
  const tail = start + MAX_EXCERPT < line.length ? '…' : '';
  return { text: head + line.slice(start, start + MAX_EXCERPT) + tail, col: col - start + head.length };
}

export function renderDiagnostics(ds: readonly Problem[]): string {
  return ds.map(renderDiagnostic).join('\n');
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}

/** Tabs shown as one space so the caret stays aligned with the reported column. */
function visible(s: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we replace
  return s.replace(/\t/g, ' ').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '?');
}
