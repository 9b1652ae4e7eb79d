import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { registerCheck } from '../../src/cli/check.js';
import { registerExport } from '../../src/cli/export.js';
import { registerImport } from '../../src/cli/import.js';
import { registerInit } from '../../src/cli/init.js';
import { registerRender } from '../../src/cli/render.js';
import { registerSchema } from '../../src/cli/schema.js';

/** Every command of the foundation documents itself: examples and exit codes in --help (in process, no spawn). */

function program(): Command {
  const p = new Command('kubeha');
  for (const register of [registerInit, registerCheck, registerSchema, registerRender, registerImport, registerExport]) register(p);
  return p;
}

function helpOf(path: string[]): string {
  let cmd: Command | undefined = program();
  for (const name of path) cmd = cmd?.commands.find((c) => c.name() === name);
  assert.ok(cmd, path.join(' '));
  let text = '';
  cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  cmd.exitOverride();
  try {
    cmd.outputHelp();
  } catch {
    // exitOverride: outputHelp does not exit, but be safe.
  }
  // addHelpText('after') is emitted through the help event: outputHelp() includes it.
  return text;
}

for (const path of [['init'], ['check'], ['schema'], ['render'], ['import'], ['import', 'kubekey'], ['import', 'ansible'], ['export'], ['export', 'kubekey']]) {
  test(`kubeha ${path.join(' ')} --help has examples and exit codes`, () => {
    const text = helpOf(path);
    assert.match(text, /Examples:\n {2}kubeha /, text);
    assert.match(text, /Exit codes: 0 /, text);
  });
}
