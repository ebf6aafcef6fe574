// The driver's published state (NUT's dstate, spec §3.2/§3.4): the state tree plus a broadcast
// of every change to the connected clients, the DATAOK/DATASTALE flag, and the ups.status and
// ups.alarm helpers drivers use. Pure: broadcasting is a callback the socket server provides.

import { StateTree } from '../core/state-tree.js';
import { encodeDriverMessage, isValidName } from '../protocol/sock/index.js';
import type { DriverMessage } from '../protocol/sock/index.js';
import { strtol } from '../core/c-number.js';

/** NUT's ST_MAX_VALUE_LEN is 256 with the NUL: values are capped at 255 characters (§3.4). */
export const MAX_VALUE_LEN = 255;

export type Broadcast = (line: string) => void;

export class DriverState {
  readonly tree = new StateTree();
  private staleFlag = true;
  private broadcast: Broadcast = () => undefined;
  private statusTokens: string[] = [];
  private alarms: string[] = [];
  private alarmActive = false;

  /** The socket server installs its fan-out here. */
  setBroadcast(fn: Broadcast): void {
    this.broadcast = fn;
  }

  get stale(): boolean {
    return this.staleFlag;
  }

  private send(msg: DriverMessage): void {
    this.broadcast(encodeDriverMessage(msg));
  }

  getInfo(name: string): string | undefined {
    return this.tree.getInfo(name);
  }

  /**
   * A name that cannot cross the socket (quote, backslash, space, '#', '='…) is refused here, at
   * the one door every driver goes through, so no dump can ever fail on it.
   */
  setInfo(name: string, value: string): boolean {
    if (!isValidName(name)) return false;
    const capped = value.length > MAX_VALUE_LEN ? value.slice(0, MAX_VALUE_LEN) : value;
    const changed = this.tree.setInfo(name, capped);
    if (changed) this.send({ type: 'SETINFO', name, value: capped });
    return changed;
  }

  delInfo(name: string): boolean {
    const changed = this.tree.delInfo(name);
    if (changed) this.send({ type: 'DELINFO', name });
    return changed;
  }

  setFlags(name: string, flags: readonly ('RW' | 'STRING' | 'NUMBER')[]): boolean {
    const changed = this.tree.setFlags(name, flags);
    const v = this.tree.get(name);
    if (changed && v) {
      const words: string[] = [];
      if (v.flags.rw) words.push('RW');
      if (v.flags.string) words.push('STRING');
      if (v.flags.number) words.push('NUMBER');
      this.send({ type: 'SETFLAGS', name: v.name, flags: words });
    }
    return changed;
  }

  setAux(name: string, aux: number): boolean {
    const changed = this.tree.setAux(name, aux);
    if (changed) this.send({ type: 'SETAUX', name, aux });
    return changed;
  }

  /** Pins a variable (ups.conf `override.*`): drivers can no longer change or delete it. */
  setImmutable(name: string): void {
    this.tree.setImmutable(name);
  }

  addEnum(name: string, value: string): boolean {
    const changed = this.tree.addEnum(name, value);
    if (changed) this.send({ type: 'ADDENUM', name, value });
    return changed;
  }

  delEnum(name: string, value: string): boolean {
    const changed = this.tree.delEnum(name, value);
    if (changed) this.send({ type: 'DELENUM', name, value });
    return changed;
  }

  addRange(name: string, min: number, max: number): boolean {
    const changed = this.tree.addRange(name, min, max);
    if (changed) this.send({ type: 'ADDRANGE', name, min, max });
    return changed;
  }

  delRange(name: string, min: number, max: number): boolean {
    const changed = this.tree.delRange(name, min, max);
    if (changed) this.send({ type: 'DELRANGE', name, min, max });
    return changed;
  }

  addCmd(name: string): boolean {
    if (!isValidName(name)) return false;
    const changed = this.tree.addCmd(name);
    if (changed) this.send({ type: 'ADDCMD', name });
    return changed;
  }

  delCmd(name: string): boolean {
    const changed = this.tree.delCmd(name);
    if (changed) this.send({ type: 'DELCMD', name });
    return changed;
  }

  /** Fresh data from the device; announced to clients only on a change of state. */
  dataOk(): void {
    if (!this.staleFlag) return;
    this.staleFlag = false;
    this.send({ type: 'DATAOK' });
  }

  dataStale(): void {
    if (this.staleFlag) return;
    this.staleFlag = true;
    this.send({ type: 'DATASTALE' });
  }

  // ups.status helpers (§3.4). hardnut de-duplicates tokens (as NUT master does); like Debian's
  // 2.8.0 peer it does not infer CHRG/DISCHRG, so status strings match the peer's.

  statusInit(): void {
    this.statusTokens = [];
  }

  statusSet(token: string): void {
    if (token === '') return;
    if (this.isIgnoreLb() && token.toUpperCase() === 'LB') return;
    if (this.statusTokens.some((t) => t.toUpperCase() === token.toUpperCase())) return;
    this.statusTokens.push(token);
  }

  statusCommit(): void {
    const tokens = [...this.statusTokens];
    if (this.isIgnoreLb() && this.lowByCharge() && !tokens.includes('LB')) tokens.push('LB');
    if (this.alarmActive) tokens.unshift('ALARM');
    this.setInfo('ups.status', tokens.join(' '));
  }

  alarmInit(): void {
    this.alarms = [];
  }

  alarmSet(text: string): void {
    if (text !== '' && !this.alarms.includes(text)) this.alarms.push(text);
  }

  alarmCommit(): void {
    if (this.alarms.length > 0) {
      this.setInfo('ups.alarm', this.alarms.join(' '));
      this.alarmActive = true;
    } else {
      this.delInfo('ups.alarm');
      this.alarmActive = false;
    }
  }

  private isIgnoreLb(): boolean {
    return this.tree.getInfo('driver.flag.ignorelb') !== undefined;
  }

  /** With `ignorelb`, LB comes from charge or runtime below their low marks (§3.4). */
  private lowByCharge(): boolean {
    return below(this.getInfo('battery.charge'), this.getInfo('battery.charge.low'))
      || below(this.getInfo('battery.runtime'), this.getInfo('battery.runtime.low'));
  }
}

/** NUT's ignorelb test, strtol(value) < strtol(low); false when either is missing. */
function below(value: string | undefined, low: string | undefined): boolean {
  if (value === undefined || low === undefined) return false;
  return strtol(value) < strtol(low);
}
