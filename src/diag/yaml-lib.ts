import { createRequire } from 'node:module';

type YamlModule = typeof import('yaml');

let lib: YamlModule | undefined;

/**
 * eemeli/yaml, loaded on first use. Its ~75 CommonJS files cost ~50 ms of CPU to load, as much as the rest of
 * `kubeha analyze`: modules on the path of a run that usually needs no positioned YAML (a clean mirror manifest is
 * read with js-yaml, src/parse/mirror-manifest.ts) take it from here instead of a static import. Under Node the
 * package's `import` and `require` both resolve to the same CommonJS build (its `node` export condition), so the
 * nodes, `isMap` and the error classes are those of a static `import … from 'yaml'`.
 */
export function yamlLib(): YamlModule {
  return (lib ??= createRequire(import.meta.url)('yaml') as YamlModule);
}
