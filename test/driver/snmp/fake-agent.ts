// An in-memory SnmpIo for the engine tests and the fuzz target: GETs answered from a map (absent
// OIDs answer as an SNMPv1 agent does: an error), every SET recorded.
import type { GetOutcome, SetRequest, SnmpIo } from '../../../src/driver/snmp/index.js';
import type { Varbind } from '../../../src/driver/snmp/values.js';
import { DriverState } from '../../../src/driver/dstate.js';

export class FakeAgent implements SnmpIo {
  readonly sets: SetRequest[] = [];
  silent = false;
  constructor(public oids: Map<string, Varbind>) {}
  get(oid: string): Promise<GetOutcome> {
    if (this.silent) return Promise.resolve({ ok: false, timeout: true, message: 'timeout' });
    const vb = this.oids.get(oid.replace(/^\./, ''));
    return Promise.resolve(vb ? { ok: true, vb } : { ok: false, timeout: false, message: 'noSuchName' });
  }
  set(req: SetRequest): Promise<{ ok: boolean; timeout: boolean }> {
    this.sets.push(req);
    return Promise.resolve({ ok: true, timeout: false });
  }
}

export { QuietLogger } from '../../support/quiet-logger.js';

export const newState = (): DriverState => new DriverState();
