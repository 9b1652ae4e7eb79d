import { parseDocument } from 'yaml';
import { LineIndex, attachExcerpt, type Diagnostic } from '../diag/diagnostic.js';
import { YamlLocator, type SpecPath } from '../cluster-spec/locate.js';

/**
 * Positions for the lab's input diagnostics (pure): the lab checks the plan, not the YAML, so its diagnostics
 * name a host; this points each at what the user wrote in the spec (the host's address or interface, the
 * hostCIDR, the cluster name) with line, column and excerpt, as every other bad-input error has.
 */

/** The spec path a lab diagnostic is about, or undefined when it is about no place in the spec (e.g. --name). */
export function labDiagnosticPath(d: Diagnostic, hostNames: readonly string[], nameFromSpec: boolean, has: (p: SpecPath) => boolean): SpecPath | undefined {
  const i = d.host === undefined ? -1 : hostNames.indexOf(d.host);
  const host = (field: string): SpecPath | undefined => (i >= 0 ? ['hosts', i, field] : undefined);
  switch (d.code) {
    case 'LAB_NAME':
    case 'LAB_EXISTS':
      return nameFromSpec ? ['metadata', 'name'] : undefined;
    case 'LAB_IFNAME':
      return has(['hosts', i, 'interface']) ? host('interface') : has(['loadBalancer', 'interface']) ? ['loadBalancer', 'interface'] : host('name');
    case 'LAB_RESERVED_NAME':
    case 'LAB_DUPLICATE_HOST':
      return host('name');
    case 'LAB_SUBNET':
    case 'LAB_SUBNET_FULL':
    case 'LAB_SUBNET_ON_HOST':
      return has(['network', 'hostCIDR']) ? ['network', 'hostCIDR'] : ['hosts', 0, 'address'];
    default:
      return host('address');
  }
}

export function locateLabDiagnostics(ds: readonly Diagnostic[], text: string, hostNames: readonly string[], nameFromSpec: boolean): Diagnostic[] {
  const index = new LineIndex(text);
  const locator = new YamlLocator(parseDocument(text), index);
  return ds.map((d) => {
    if (d.line !== undefined) return d;
    const path = labDiagnosticPath(d, hostNames, nameFromSpec, (p) => locator.has(p));
    return path ? attachExcerpt({ ...d, ...locator.value(path) }, index) : d;
  });
}
