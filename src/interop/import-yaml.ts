import { Document, isMap, isScalar } from 'yaml';
import type { Diagnostic } from '../diag/diagnostic.js';
import type { SpecInput } from '../cluster-spec/schema.js';

/**
 * An imported spec as commented YAML: a header saying where it came from and what to review, and a
 * comment above the sections a reader should look at. Pure; the CLI writes the text.
 */
/** @param outPath where the spec is written, named in the header's next step. @default "<this file>" */
export function importedSpecYaml(spec: SpecInput, source: string, diagnostics: readonly Diagnostic[], outPath = '<this file>'): string {
  const doc = new Document(spec);
  const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
  const infos = diagnostics.filter((d) => d.severity === 'info').length;
  doc.commentBefore = [
    ` kubeha spec imported from ${source}.`,
    ` Review it, then run: kubeha check ${outPath}`,
    ` The import reported ${warnings} warning(s) and ${infos} note(s) (printed on stderr); plain-text passwords were not copied.`,
    ` Schema: kubeha schema > kubeha.schema.json (for editors).`,
  ].join('\n');
  const root = doc.contents;
  if (isMap(root)) {
    for (const pair of root.items) {
      if (!isScalar(pair.key)) continue;
      const key = String(pair.key.value);
      const note = SECTION_NOTES[key]?.(spec);
      if (note) pair.key.commentBefore = note;
    }
  }
  return doc.toString({ lineWidth: 0 });
}

const SECTION_NOTES: Readonly<Record<string, (spec: SpecInput) => string | undefined>> = {
  hosts: () => ' Hosts and their roles, from the imported file. kubeha logs in over SSH with keys (ssh.keyFile or the agent).',
  loadBalancer: (spec) =>
    spec.loadBalancer.mode === 'external'
      ? [
          ' The existing load balancer, as an external one. To let kubeha run keepalived + HAProxy instead:',
          " add two hosts with roles [loadbalancer] in the VIP's subnet and set mode: keepalived-haproxy.",
          ' Add hairpin: true if a control-plane host can reach the API through this LB (HAProxy on other',
          ' hosts can; some cloud LBs cannot send a backend its own traffic).',
        ].join('\n')
      : undefined,
  passthrough: (spec) =>
    spec.passthrough && 'kubekey' in spec.passthrough
      ? ' Settings kubeha does not model, kept so that `kubeha export kubekey` can write them back. Secrets were redacted.'
      : ' Settings kubeha does not model, kept so that nothing of the imported file is lost. Secrets were redacted.',
};
