import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Command, Help } from 'commander';
import { COMMANDS, invokedCommand } from '../../src/cli/commands.js';
import { buildProgram } from '../../src/cli/main.js';

/** The lazy command table says what the commands say: `kubeha --help` is the same whichever command is loaded. */

describe('lazy command table', () => {
  for (const entry of COMMANDS) {
    it(`${entry.name}: the table's term and description are the loaded command's`, async () => {
      const program = new Command('kubeha');
      (await entry.load())(program);
      const cmd = program.commands.find((c) => c.name() === entry.name);
      assert.ok(cmd, `${entry.name} registers a command of that name`);
      assert.equal(cmd.description(), entry.description);
      assert.equal(new Help().subcommandTerm(cmd), entry.term);
    });
  }

  it('kubeha --help lists the same text with every command a stub, or any one of them loaded', async () => {
    const stubs = (await buildProgram(['node', 'kubeha', '--help'])).helpInformation();
    for (const entry of COMMANDS) {
      const program = await buildProgram(['node', 'kubeha', entry.name]);
      assert.equal(program.helpInformation(), stubs, entry.name);
    }
    assert.deepEqual(
      (await buildProgram(['node', 'kubeha'])).commands.map((c) => c.name()),
      COMMANDS.map((c) => c.name),
    );
  });

  it('only the invoked command is loaded for real (its options are there, the stubs have none)', async () => {
    const program = await buildProgram(['node', 'kubeha', 'check', 'cluster.yaml']);
    const check = program.commands.find((c) => c.name() === 'check');
    assert.ok(check && check.options.some((o) => o.long === '--output'));
    const render = program.commands.find((c) => c.name() === 'render');
    assert.equal(render?.options.length, 0);
  });

  it('finds the invoked command, also after help', () => {
    assert.equal(invokedCommand(['--version']), undefined);
    assert.equal(invokedCommand([]), undefined);
    assert.equal(invokedCommand(['check', 'cluster.yaml', '--output', 'json']), 'check');
    assert.equal(invokedCommand(['help', 'apply']), 'apply');
    assert.equal(invokedCommand(['-h', 'lab', 'up']), 'lab');
  });
});
