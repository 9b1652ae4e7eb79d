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
      // Core layers must never import the shell (DESIGN.md: the shell imports the core, never the reverse).
      'no-restricted-imports': 'off',
    },
  },
  {
    files: ['src/cluster-spec/**', 'src/interop/**', 'src/net/**', 'src/model/**', 'src/parse/**', 'src/analyze/**', 'src/render/**', 'src/diag/**', 'src/pki/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/remote/**', '**/apply/**', '**/verify/**', '**/lab/**', '**/dashboard/**', '**/cli/**'], message: 'core must not import the shell' },
        { group: ['node:fs', 'node:fs/*', 'node:child_process', 'node:net', 'fs', 'child_process'], message: 'core is pure: do I/O in the shell' },
      ] }],
    },
  },
  { files: ['test/**', 'bench/**'], rules: { '@typescript-eslint/no-floating-promises': 'off' } },
);
