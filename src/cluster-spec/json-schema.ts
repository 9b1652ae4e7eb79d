import { z } from 'zod';
import { API_VERSION, EXTENSION_KEY } from './load.js';
import { SpecSchema } from './schema.js';

/** Where editors find the schema (yaml-language-server: `# yaml-language-server: $schema=<url>`). */
export const SCHEMA_ID = 'https://kubeha.io/schemas/cluster-v1alpha1.json';

/** The `format` values draft-07 defines; validators (ajv by default) refuse a schema that names any other. */
const DRAFT7_FORMATS = new Set([
  'date-time', 'date', 'time', 'email', 'idn-email', 'hostname', 'idn-hostname', 'ipv4', 'ipv6',
  'uri', 'uri-reference', 'iri', 'iri-reference', 'uri-template', 'json-pointer', 'relative-json-pointer', 'regex',
]);

/**
 * Drops `format`s that are not draft-07 (zod writes e.g. `format: starts_with` next to the `pattern` that
 * already says the same), so that strict validators compile the schema. Mutates and returns `node`.
 */
function standardFormatsOnly(node: unknown): unknown {
  if (Array.isArray(node)) node.forEach(standardFormatsOnly);
  else if (node !== null && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (typeof o['format'] === 'string' && !DRAFT7_FORMATS.has(o['format'])) delete o['format'];
    for (const v of Object.values(o)) standardFormatsOnly(v);
  }
  return node;
}

/** The spec's JSON Schema (draft-07, what editors' YAML plugins read), generated from the zod schema. */
export function specJsonSchema(): Record<string, unknown> {
  const generated = standardFormatsOnly(z.toJSONSchema(SpecSchema, { target: 'draft-7' })) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: SCHEMA_ID,
    title: `kubeha Cluster (${API_VERSION})`,
    description: 'One declarative description of a highly available Kubernetes control plane. Reference: docs/spec.md.',
    ...rest,
    // x-… keys at the top level are the user's (a home for YAML anchors); kubeha ignores them.
    patternProperties: { [EXTENSION_KEY.source]: {} },
  };
}
