// The state tree (spec §3.2): variables with value, flags, aux, enums and ranges, plus the
// instant-command list. One implementation serves both ends of the driver socket: a driver keeps
// its own state here, and upsd keeps the copy it rebuilds from the driver's messages.
//
// NUT (common/state.c) keeps variables in an unbalanced BST keyed with strcasecmp and commands
// in a sorted linked list. hardnut keeps a Map keyed by the ASCII-lowercased name (O(1) lookups)
// and caches the sorted order, so LIST VAR / DUMPALL do not sort on every call.

export interface StateVarFlags {
  rw: boolean;
  string: boolean;
  number: boolean;
  /** Pinned by `override.*` in ups.conf: the value cannot change and the var cannot be deleted. */
  immutable: boolean;
}

export interface StateRange {
  min: number;
  max: number;
}

export interface StateVar {
  /** Case of the first creation; later SETINFOs in another case update this same var (§1.6). */
  readonly name: string;
  value: string;
  flags: StateVarFlags;
  /** Max length for STRING vars (§3.2 SETAUX); 0 = not set. */
  aux: number;
  /** Insertion order, as NUT appends them (§2.3 LIST ENUM). */
  enums: string[];
  /** Insertion order. */
  ranges: StateRange[];
}

/**
 * strcasecmp in the C locale folds only A–Z. String.prototype.toLowerCase folds far more (and
 * can change the length), which would make two names equal that NUT keeps apart.
 */
function asciiLower(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) | 0x20)) : s;
}

/** Sorts keys that are already lowercased: plain code-unit order = strcasecmp order (§2.3 LIST VAR). */
function byKey<T>(entries: Iterable<[string, T]>): T[] {
  const arr = [...entries];
  arr.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return arr.map((e) => e[1]);
}

function isInt32(n: number): boolean {
  return Number.isInteger(n) && n >= -0x80000000 && n <= 0x7fffffff;
}

export class StateTree {
  private readonly varMap = new Map<string, StateVar>();
  private readonly cmdMap = new Map<string, string>();
  /** Sorted views; null when a create/delete made them stale. Value changes keep them valid. */
  private sortedVars: StateVar[] | null = null;
  private sortedCmds: string[] | null = null;

  get size(): number {
    return this.varMap.size;
  }

  /**
   * Creates or updates a variable; true if it was created or its value changed.
   * hardnut difference (§3.2 ⚠): values compare exactly, so a case-only change ("on" → "ON") is a
   * change and gets broadcast; NUT compares with strcasecmp and drops it.
   * An immutable var keeps its value (returns false), as NUT's state_setinfo.
   */
  setInfo(name: string, value: string): boolean {
    const key = asciiLower(name);
    const v = this.varMap.get(key);
    if (v === undefined) {
      this.varMap.set(key, {
        name,
        value,
        flags: { rw: false, string: false, number: false, immutable: false },
        aux: 0,
        enums: [],
        ranges: [],
      });
      this.sortedVars = null;
      return true;
    }
    if (v.value === value || v.flags.immutable) return false;
    v.value = value;
    return true;
  }

  getInfo(name: string): string | undefined {
    return this.get(name)?.value;
  }

  /** The live entry (not a copy): cheap for upsd's GET/LIST. Do not mutate `name`. */
  get(name: string): StateVar | undefined {
    // keys are lowercase, and so are nearly all names asked for: fold only on a miss
    return this.varMap.get(name) ?? this.varMap.get(asciiLower(name));
  }

  /** False if absent or immutable (NUT issue #737: override.* must survive DELINFO). */
  delInfo(name: string): boolean {
    const key = asciiLower(name);
    const v = this.varMap.get(key);
    if (v === undefined || v.flags.immutable) return false;
    this.varMap.delete(key);
    this.sortedVars = null;
    return true;
  }

  /** False if the var is missing or the value is already listed (exact compare, as NUT's strcmp). */
  addEnum(name: string, value: string): boolean {
    const v = this.get(name);
    if (v === undefined || v.enums.includes(value)) return false;
    v.enums.push(value);
    return true;
  }

  /** Removes the first enum equal case-insensitively (§3.2: NUT matches with strcasecmp). */
  delEnum(name: string, value: string): boolean {
    const v = this.get(name);
    if (v === undefined) return false;
    const want = asciiLower(value);
    const i = v.enums.findIndex((e) => asciiLower(e) === want);
    if (i < 0) return false;
    v.enums.splice(i, 1);
    return true;
  }

  /**
   * Adds [min, max]. Rejected: min > max, non-integers or values outside C int (NUT stores int),
   * a missing var, and — NUT quirk reproduced (§3.2 ⚠) — any range sharing EITHER its min or its
   * max with an existing one counts as a duplicate.
   */
  addRange(name: string, min: number, max: number): boolean {
    if (!isInt32(min) || !isInt32(max) || min > max) return false;
    const v = this.get(name);
    if (v === undefined) return false;
    if (v.ranges.some((r) => r.min === min || r.max === max)) return false;
    v.ranges.push({ min, max });
    return true;
  }

  /** Removes the first range whose min OR max matches (same quirk as addRange, §3.2 ⚠). */
  delRange(name: string, min: number, max: number): boolean {
    const v = this.get(name);
    if (v === undefined) return false;
    const i = v.ranges.findIndex((r) => r.min === min || r.max === max);
    if (i < 0) return false;
    v.ranges.splice(i, 1);
    return true;
  }

  /** True if changed. Non-integers (and beyond ±2^53) are refused: the wire carries a C long. */
  setAux(name: string, aux: number): boolean {
    if (!Number.isSafeInteger(aux)) return false;
    const v = this.get(name);
    if (v === undefined || v.aux === aux) return false;
    v.aux = aux;
    return true;
  }

  /**
   * Replaces rw/string/number from flag words (§3.2 SETFLAGS: RW, STRING, NUMBER compared
   * case-insensitively, other words ignored). `immutable` is local state, never on the wire, so
   * it is kept. True if any flag changed.
   */
  setFlags(name: string, flags: readonly string[]): boolean {
    const v = this.get(name);
    if (v === undefined) return false;
    let rw = false;
    let str = false;
    let num = false;
    for (const f of flags) {
      const w = asciiLower(f);
      if (w === 'rw') rw = true;
      else if (w === 'string') str = true;
      else if (w === 'number') num = true;
    }
    const fl = v.flags;
    if (fl.rw === rw && fl.string === str && fl.number === num) return false;
    v.flags = { rw, string: str, number: num, immutable: fl.immutable };
    return true;
  }

  /** Pins a var (override.* in ups.conf). True if it was not already immutable. */
  setImmutable(name: string): boolean {
    const v = this.get(name);
    if (v === undefined || v.flags.immutable) return false;
    v.flags = { ...v.flags, immutable: true };
    return true;
  }

  /** False if a command with the same name in any case exists (§3.2 ADDCMD). */
  addCmd(name: string): boolean {
    const key = asciiLower(name);
    if (this.cmdMap.has(key)) return false;
    this.cmdMap.set(key, name);
    this.sortedCmds = null;
    return true;
  }

  delCmd(name: string): boolean {
    if (!this.cmdMap.delete(asciiLower(name))) return false;
    this.sortedCmds = null;
    return true;
  }

  hasCmd(name: string): boolean {
    return this.cmdMap.has(asciiLower(name));
  }

  /**
   * All vars in NUT's order: strcasecmp on the names (in-order walk of its BST, §2.3 LIST VAR).
   * The order is cached; the returned array is a fresh copy the caller may keep or modify.
   */
  vars(): StateVar[] {
    if (this.sortedVars === null) this.sortedVars = byKey(this.varMap.entries());
    return this.sortedVars.slice();
  }

  /** Command names, sorted case-insensitively (§2.3 LIST CMD). A fresh copy. */
  cmds(): string[] {
    if (this.sortedCmds === null) this.sortedCmds = byKey(this.cmdMap.entries());
    return this.sortedCmds.slice();
  }

  /** Forgets everything, immutable vars included (upsd on driver disconnect). */
  clear(): void {
    this.varMap.clear();
    this.cmdMap.clear();
    this.sortedVars = null;
    this.sortedCmds = null;
  }
}
