// What the other end of a driver socket makes of the messages (spec §3.2): a copy of the state
// tree rebuilt from a dump or kept up to date from broadcasts, and a comparable snapshot of a tree
// as it can cross the wire. Shared by the sock-codec, dummy-ups and state-server targets.
import { StateTree } from '../../src/core/state-tree.js';
import { sanitizeValue, type DriverMessage } from '../../src/protocol/sock/index.js';

/** upsd's side: what one driver message does to its copy of the tree. */
export function applyToTree(t: StateTree, m: DriverMessage): void {
  switch (m.type) {
    case 'SETINFO': t.setInfo(m.name, m.value); break;
    case 'DELINFO': t.delInfo(m.name); break;
    case 'ADDENUM': t.addEnum(m.name, m.value); break;
    case 'DELENUM': t.delEnum(m.name, m.value); break;
    case 'ADDRANGE': t.addRange(m.name, m.min, m.max); break;
    case 'DELRANGE': t.delRange(m.name, m.min, m.max); break;
    case 'SETAUX': t.setAux(m.name, m.aux); break;
    case 'SETFLAGS': t.setFlags(m.name, m.flags); break;
    case 'ADDCMD': t.addCmd(m.name); break;
    case 'DELCMD': t.delCmd(m.name); break;
    default: break;
  }
}

export interface TreeSnapshot {
  vars: Array<{ name: string; value: string; flags: boolean[]; aux: number; enums: string[]; ranges: Array<{ min: number; max: number }> }>;
  cmds: string[];
}

/** What crosses the wire: values as sanitizeValue() leaves them, enums deduplicated after that. */
export function snapshot(t: StateTree): TreeSnapshot {
  return {
    vars: t.vars().map((v) => ({
      name: v.name,
      value: sanitizeValue(v.value),
      flags: [v.flags.rw, v.flags.string, v.flags.number],
      aux: v.aux,
      enums: [...new Set(v.enums.map(sanitizeValue))],
      ranges: v.ranges.map((r) => ({ min: r.min, max: r.max })),
    })),
    cmds: t.cmds(),
  };
}
