/**
 * Reading the machine's own apt sources (pure): the lab fetches Debian from the mirror this machine already
 * uses, never from an address of our choosing. Both formats: one-line `.list` and deb822 `.sources`.
 */

export interface AptSource {
  types: string[];
  uri: string;
  suites: string[];
  components: string[];
}

export function parseAptSources(path: string, text: string): AptSource[] {
  return path.endsWith('.sources') ? parseDeb822(text) : parseOneLine(text);
}

function parseOneLine(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    // deb [opt=val ...] uri suite [component ...]
    const m = /^(deb|deb-src)\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    out.push({ types: [m[1] ?? 'deb'], uri: m[2] ?? '', suites: [m[3] ?? ''], components: (m[4] ?? '').split(/\s+/).filter(Boolean) });
  }
  return out;
}

function parseDeb822(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let last: string | undefined;
    for (const raw of stanza.split('\n')) {
      if (raw.startsWith('#')) continue;
      if (/^\s/.test(raw) && last) {
        fields.set(last, `${fields.get(last) ?? ''} ${raw.trim()}`);
        continue;
      }
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(raw);
      if (!m) continue;
      last = (m[1] ?? '').toLowerCase();
      fields.set(last, m[2] ?? '');
    }
    if (fields.get('enabled')?.trim() === 'no') continue;
    const words = (k: string): string[] => (fields.get(k) ?? '').split(/\s+/).filter(Boolean);
    for (const uri of words('uris')) out.push({ types: words('types'), uri, suites: words('suites'), components: words('components') });
  }
  return out;
}

/**
 * The Debian mirror serving `suite` (binary `deb`, component main), e.g. `http://deb.debian.org/debian`.
 * Security and updates suites are not the base: their URIs differ (debian-security).
 */
export function debianMirrorFor(sources: AptSource[], suite: string): string | undefined {
  const s = sources.find((x) => x.types.includes('deb') && x.suites.includes(suite) && x.components.includes('main'));
  return s?.uri.replace(/\/+$/, '');
}

/** Every `deb` source of the target release (suite, suite-updates, suite-security), main only, as one-line entries. */
export function releaseSourceLines(sources: AptSource[], suite: string): string[] {
  const lines: string[] = [];
  for (const s of sources) {
    if (!s.types.includes('deb') || !s.components.includes('main')) continue;
    for (const su of s.suites) {
      if (su === suite || su.startsWith(`${suite}-`) || su.startsWith(`${suite}/`)) lines.push(`deb ${s.uri} ${su} main`);
    }
  }
  return [...new Set(lines)];
}
