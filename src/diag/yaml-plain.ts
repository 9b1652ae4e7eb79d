import { CORE_SCHEMA, load as loadPlainYaml, realMapTag } from 'js-yaml';

/**
 * The fast YAML engine, for clean input: js-yaml builds plain values (no source positions) several times faster
 * than eemeli/yaml builds its position-carrying document, and loads as one file instead of ~75. Callers use it for
 * the common case only and take eemeli/yaml's positioned path from the start as soon as anything is off, so that
 * every diagnostic comes from one engine: the spec loader (src/cluster-spec/load.ts) and the mirror manifest
 * (src/parse/mirror-manifest.ts). Both engines read YAML 1.2 with the core schema.
 *
 * Undefined when the text is one the engines may read differently, or js-yaml refuses it:
 * - merge keys, tags (eemeli/yaml's core schema reads `!!float 1` as a string, js-yaml as a number) and directives
 *   (`%YAML 1.1` reads `yes` as true);
 * - found by fuzzing the two: a lone carriage return (eemeli/yaml keeps it in a plain scalar, js-yaml breaks the
 *   line) and a tab on a line of its own (eemeli/yaml: tab indentation, js-yaml: blank line);
 * - any alias (maxAliases 0: the positioned path bounds alias expansion, "billion laughs"), a duplicate key, a key
 *   that is not a string (eemeli/yaml stringifies those its own way: a null key becomes "", js-yaml's plain objects
 *   would say "null"), `__proto__`, a syntax error.
 */
export function plainYaml(text: string): unknown {
  if (text.includes('<<') || /[\r\t]/.test(text) || /(^|[\s[{,:?-])!/.test(text) || /^%/m.test(text)) return undefined;
  try {
    return plainValues(loadPlainYaml(text, { schema: FAST_SCHEMA, maxAliases: 0 }));
  } catch {
    return undefined;
  }
}

/** Maps as JS Maps, so that a key that is not a string (`~:`, `true:`, `1.0:`) is seen and left to the positioned path. */
const FAST_SCHEMA = CORE_SCHEMA.withTags(realMapTag);

/** Maps to plain objects; throws on a key that is not a string and on `__proto__`. */
function plainValues(v: unknown): unknown {
  if (v instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v as Map<unknown, unknown>) {
      if (typeof k !== 'string' || k === '__proto__') throw new Error('not a plain string key');
      out[k] = plainValues(x);
    }
    return out;
  }
  return Array.isArray(v) ? v.map(plainValues) : v;
}
