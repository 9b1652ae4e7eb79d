import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['eslint.config.js', 'dist/', 'node_modules/', 'test/fixtures/', 'out/', 'bin/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // Core layers must never import the shell: the shell imports the core, never the reverse.
      'no-restricted-imports': 'off',
    },
  },
  {
    files: ['src/cluster-spec/**', 'src/interop/**', 'src/net/**', 'src/model/**', 'src/parse/**', 'src/analyze/**', 'src/render/**', 'src/diag/**', 'src/pki/**', 'src/measure/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/remote/**', '**/apply/**', '**/verify/**', '**/lab/**', '**/dashboard/**', '**/cli/**', '**/ops/**'], message: 'core must not import the shell' },
        { group: ['node:fs', 'node:fs/*', 'node:child_process', 'node:net', 'fs', 'child_process'], message: 'core is pure: do I/O in the shell' },
      ] }],
    },
  },
  {
    // A command parses flags, calls a use case (src/ops) and hands the result to a view: it never imports another
    // command (src/cli/commands.ts loads each one lazily).
    files: ['src/cli/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['./init.js', './check.js', './schema.js', './render.js', './import.js', './export.js', './analyze.js', './explain.js', './plan.js', './apply.js', './lab.js', './bundle.js', './status.js', './drill.js', './kubeconfig.js', './certs.js', './kubectl.js'], message: 'a command must not import another command: move what they share into src/ops or a helper module' },
      ] }],
    },
  },
  { files: ['test/**', 'bench/**'], rules: { '@typescript-eslint/no-floating-promises': 'off' } },
);
