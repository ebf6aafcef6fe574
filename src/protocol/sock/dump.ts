// The driver's replies to DUMPALL / DUMPVALUE / DUMPSTATUS (spec §3.2, §3.3), as text, in NUT's
// order (drivers/dstate.c st_tree_dump_conn_one_node, cmd_dump_conn).

import type { StateTree, StateVar } from '../../core/state-tree.js';
import { encodeDriverMessage } from './encode.js';

/**
 * The lines describing one variable, each ending in "\n": SETINFO, its ADDENUMs (insertion
 * order), ADDRANGEs, SETAUX if aux ≠ 0, SETFLAGS if any of RW/STRING/NUMBER is set (in that
 * order). `immutable` is driver-local and never sent. Also what a driver broadcasts for a new var.
 * Throws HardnutError('ERR_SOCK_ENCODE') if the var's name cannot go on the wire.
 */
export function varLines(v: StateVar): string[] {
  const name = v.name;
  const out = [encodeDriverMessage({ type: 'SETINFO', name, value: v.value })];
  for (const value of v.enums) out.push(encodeDriverMessage({ type: 'ADDENUM', name, value }));
  for (const r of v.ranges) out.push(encodeDriverMessage({ type: 'ADDRANGE', name, min: r.min, max: r.max }));
  if (v.aux !== 0) out.push(encodeDriverMessage({ type: 'SETAUX', name, aux: v.aux }));
  const f = v.flags;
  if (f.rw || f.string || f.number) {
    const flags: string[] = [];
    if (f.rw) flags.push('RW');
    if (f.string) flags.push('STRING');
    if (f.number) flags.push('NUMBER');
    out.push(encodeDriverMessage({ type: 'SETFLAGS', name, flags }));
  }
  return out;
}

/**
 * The whole DUMPALL reply: `DATASTALE` first if stale, every var (tree.vars() order), an ADDCMD
 * per command, `DATAOK` if not stale, then `DUMPDONE`.
 */
export function dumpAll(tree: StateTree, stale: boolean): string {
  let text = stale ? 'DATASTALE\n' : '';
  for (const v of tree.vars()) text += varLines(v).join('');
  for (const cmd of tree.cmds()) text += encodeDriverMessage({ type: 'ADDCMD', name: cmd });
  return text + (stale ? 'DUMPDONE\n' : 'DATAOK\nDUMPDONE\n');
}

/** DUMPVALUE <name>: the same framing for one var; an absent var gives only the framing. */
export function dumpValue(tree: StateTree, name: string, stale: boolean): string {
  const v = tree.get(name);
  const body = v === undefined ? '' : varLines(v).join('');
  return (stale ? 'DATASTALE\n' : '') + body + (stale ? 'DUMPDONE\n' : 'DATAOK\nDUMPDONE\n');
}

/** DUMPSTATUS = DUMPVALUE ups.status (§3.3). */
export function dumpStatus(tree: StateTree, stale: boolean): string {
  return dumpValue(tree, 'ups.status', stale);
}
