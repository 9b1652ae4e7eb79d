// `npm run build`, after tsc: the CLI as one CommonJS file (dist/cjs/main.cjs) that bin/kubeha runs with V8's code
// cache (src/cli/launch.ts), and the drill prober beside it (dist/cjs/prober.cjs, run as its own process).
// ssh2 stays a package (it loads a native addon when there is one).
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
await build({
  absWorkingDir: root,
  entryPoints: { main: 'dist/cli/main.js', prober: 'dist/ops/prober.js' },
  outdir: 'dist/cjs',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['ssh2'],
  // The modules find files relative to themselves (package.json, scripts/): dist/cjs is as deep as dist/<dir>.
  define: { 'import.meta.url': '__kubeha_module_url' },
  banner: { js: "const __kubeha_module_url = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
