import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { exampleSpec, TOPOLOGIES } from '../../src/cluster-spec/examples.js';
import { SCHEMA_ID, specJsonSchema } from '../../src/cluster-spec/json-schema.js';

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
}

/** Every key the example writes is a property the schema declares (strict objects), recursively. */
function keysDeclared(value: unknown, schema: JsonSchema, path: string, out: string[]): void {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) if (schema.items) keysDeclared(v, schema.items, `${path}[${i}]`, out);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    const sub = schema.properties?.[k];
    if (!sub) {
      if (schema.additionalProperties === false || schema.additionalProperties === undefined) out.push(`${path}.${k}`);
      continue;
    }
    keysDeclared(v, sub, `${path}.${k}`, out);
  }
}

describe('kubeha schema', () => {
  const schema = specJsonSchema() as JsonSchema & Record<string, unknown>;

  it('is draft-07 JSON with $id and title', () => {
    const round = JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
    assert.equal(round['$schema'], 'http://json-schema.org/draft-07/schema#');
    assert.equal(round['$id'], SCHEMA_ID);
    assert.match(String(round['title']), /kubeha/);
  });

  it('declares the top-level sections and requires the essential ones', () => {
    assert.deepEqual(Object.keys(schema.properties ?? {}).sort(), ['apiVersion', 'controlPlane', 'etcd', 'hosts', 'kind', 'loadBalancer', 'metadata', 'network', 'passthrough', 'ssh'].sort());
    for (const r of ['apiVersion', 'kind', 'metadata', 'hosts', 'loadBalancer']) assert.ok(schema.required?.includes(r), r);
    assert.equal(schema.additionalProperties, false);
    assert.ok(schema.properties?.['network']?.properties?.['hostCIDR']);
  });

  for (const t of TOPOLOGIES) {
    it(`the ${t} example uses only keys the schema declares`, () => {
      const out: string[] = [];
      keysDeclared(parse(exampleSpec(t)), schema, '', out);
      assert.deepEqual(out, []);
    });
  }

  it('the key check does catch an undeclared key', () => {
    const out: string[] = [];
    keysDeclared({ loadBalancer: { mode: 'stacked', colour: 'red' } }, schema, '', out);
    assert.deepEqual(out, ['.loadBalancer.colour']);
  });

  describe('a draft-07 validator (ajv) compiles it and agrees with kubeha check', () => {
    // ajv refuses a schema that names a format draft-07 does not define (zod once wrote `format: starts_with`).
    const validate = new Ajv({ allErrors: true }).compile(specJsonSchema());
    for (const t of TOPOLOGIES) {
      it(`accepts the ${t} example`, () => {
        assert.equal(validate(parse(exampleSpec(t))), true, JSON.stringify(validate.errors));
      });
    }
    const base = (): Record<string, unknown> => parse(exampleSpec('dedicated-lb')) as Record<string, unknown>;
    const rejects = (label: string, edit: (s: Record<string, unknown>) => void): void => {
      it(`rejects ${label}`, () => {
        const s = base();
        edit(s);
        assert.equal(validate(s), false);
      });
    };
    it('accepts top-level x- keys (the user\'s own, e.g. a home for YAML anchors), as kubeha check does', () => {
      const s = base();
      s['x-defaults'] = { roles: ['worker'] };
      assert.equal(validate(s), true, JSON.stringify(validate.errors));
    });
    rejects('an unknown top-level key', (s) => {
      s['hostz'] = s['hosts'];
    });
    rejects('a missing required section', (s) => {
      delete s['loadBalancer'];
    });
    rejects('a health-check path without the leading /', (s) => {
      (s['loadBalancer'] as { healthCheck: { path: string } }).healthCheck.path = 'readyz';
    });
    rejects('a port out of range', (s) => {
      (s['loadBalancer'] as { port: number }).port = 70000;
    });
  });
});
