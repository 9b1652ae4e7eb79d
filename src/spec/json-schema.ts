import { z } from 'zod';
import { API_VERSION } from './load.js';
import { SpecSchema } from './schema.js';

/** Where editors find the schema (yaml-language-server: `# yaml-language-server: $schema=<url>`). */
export const SCHEMA_ID = 'https://kubeha.io/schemas/cluster-v1alpha1.json';

/** The spec's JSON Schema (draft-07, what editors' YAML plugins read), generated from the zod schema. */
export function specJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(SpecSchema, { target: 'draft-7' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: SCHEMA_ID,
    title: `kubeha Cluster (${API_VERSION})`,
    description: 'One declarative description of a highly available Kubernetes control plane. Reference: docs/spec.md.',
    ...rest,
  };
}
