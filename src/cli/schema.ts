import type { Command } from 'commander';
import { specJsonSchema } from '../cluster-spec/json-schema.js';

/** `kubeha schema`: the JSON Schema of the spec, for editors. */
export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description("Print the spec's JSON Schema (draft-07) for editors and CI validators.")
    .addHelpText(
      'after',
      `
Examples:
  kubeha schema > kubeha.schema.json
  # VS Code / yaml-language-server: first line of cluster.yaml
  # yaml-language-server: $schema=./kubeha.schema.json

Top-level keys starting with x- are the user's own (e.g. a home for YAML anchors) and allowed.
Exit codes: 0 printed.`,
    )
    .action(() => {
      process.stdout.write(JSON.stringify(specJsonSchema(), null, 2) + '\n');
    });
}
