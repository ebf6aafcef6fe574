// Variable and command descriptions for GET DESC / GET CMDDESC (spec §2.3), read from NUT's
// `cmdvartab` in DATAPATH. Pure: text in, tables out. The file is optional, as in NUT.
//
// Lines are `VARDESC <name> "<text>"` and `CMDDESC <name> "<text>"` (keywords case-sensitive, names
// looked up case-insensitively, a later line for the same name wins). The text is sent back
// between quotes without escaping again, as NUT does (§2.7).

import { parseText } from '../core/tokenizer.js';

export const CMDVARTAB = 'cmdvartab';

export class Descriptions {
  private readonly vars = new Map<string, string>();
  private readonly cmds = new Map<string, string>();

  static parse(text: Uint8Array | string): Descriptions {
    const d = new Descriptions();
    for (const { args } of parseText(text).lines) {
      if (args.length < 3) continue;
      const [kw, name, desc] = args as [string, string, string];
      if (kw === 'VARDESC') d.vars.set(name.toLowerCase(), desc);
      else if (kw === 'CMDDESC') d.cmds.set(name.toLowerCase(), desc);
    }
    return d;
  }

  varDesc(name: string): string | undefined {
    return this.vars.get(name.toLowerCase());
  }

  cmdDesc(name: string): string | undefined {
    return this.cmds.get(name.toLowerCase());
  }

  get size(): number {
    return this.vars.size + this.cmds.size;
  }
}
