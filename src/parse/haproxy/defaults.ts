import type { Token } from '../sink.js';
import { didYouMeanHint, type HaproxyContext } from './context.js';
import { cloneSettings, emptySettings, type Settings } from './settings.js';

/** A section's `[<name>] [from <defaults>]`, with the defaults section it starts from. */
interface SectionHeader {
  name: Token | undefined;
  fromTok: Token | undefined;
  base: Settings | undefined;
}

/**
 * `defaults` inheritance (manual §4): a proxy takes the last defaults section before it, or the named one its
 * `from` picks; a new defaults section resets everything unless it inherits with `from` itself.
 */
export class DefaultsChain {
  private last: Settings | undefined;
  private readonly named = new Map<string, Settings>();
  /** How each defaults section is used: HAProxy complains when one is used both with `from` and implicitly. */
  private readonly uses = new Map<Settings, { explicit: boolean; implicit: boolean; warned: boolean }>();

  constructor(private readonly ctx: HaproxyContext) {}

  /** `defaults [<name>] [from <defaults>]`; returns the settings the section's lines fill. */
  openDefaults(toks: Token[]): Settings {
    const { name, fromTok, base } = this.header(toks, true);
    const s = fromTok && base ? cloneSettings(base) : emptySettings();
    this.last = s;
    if (name) this.named.set(name.value, s);
    return s;
  }

  /** `frontend|backend|listen [<name>] [from <defaults>]`: the name and the defaults the proxy starts from. */
  proxyHeader(toks: Token[]): { name: Token | undefined; base: Settings | undefined } {
    const { name, base } = this.header(toks, false);
    return { name, base };
  }

  private header(toks: Token[], isDefaults: boolean): SectionHeader {
    const kw = toks[0] as Token;
    let name: Token | undefined = toks[1];
    let fromTok: Token | undefined;
    if (name?.value === 'from') {
      fromTok = toks[2];
      name = undefined;
    } else if (toks[2]?.value === 'from') fromTok = toks[3];
    if (name?.value === 'from') name = undefined;
    let base = this.last;
    if (fromTok) {
      const found = this.named.get(fromTok.value);
      if (!found) {
        this.ctx.err('HAP_UNKNOWN_DEFAULTS', `no defaults section named '${fromTok.value}' before this line`, fromTok, didYouMeanHint(fromTok.value, [...this.named.keys()]) ?? 'a `from` must name a `defaults NAME` section written earlier in the file');
      } else base = found;
    } else if ((toks[2]?.value === 'from' || toks[1]?.value === 'from') && !fromTok) {
      this.ctx.err('HAP_MISSING_ARG', "'from' needs the name of a defaults section", toks[toks.length - 1] as Token);
    }
    if (base && (!isDefaults || fromTok)) this.noteUse(base, fromTok !== undefined && this.named.get(fromTok.value) === base, name ?? kw);
    return { name, fromTok, base };
  }

  private noteUse(d: Settings, explicit: boolean, at: Token): void {
    const u = this.uses.get(d) ?? { explicit: false, implicit: false, warned: false };
    this.uses.set(d, u);
    if (explicit) u.explicit = true;
    else u.implicit = true;
    const name = [...this.named].find(([, v]) => v === d)?.[0];
    if (u.explicit && u.implicit && !u.warned && name !== undefined) {
      u.warned = true;
      this.ctx.sink.warning(
        'HAP_DEFAULTS_MIXED',
        `defaults section '${name}' is used both with 'from' and implicitly`,
        this.ctx.file,
        at,
        'HAProxy reports it; add a last defaults section that no proxy names, or always write `from`',
      );
    }
  }
}
