// Fuzz target "snmp": what an SNMP agent (or anything answering on its port) can hand snmp-ups
// after net-snmp decoded it: any varbind type with any value.
// Invariants: decoding never throws, strings keep NUT's 127-character limit, numbers render as
// NUT's "%i" / "%.2f"; the whole engine, every OID answered with arbitrary varbinds, throws
// nothing but a DriverError at start-up, publishes only valid names, values within NUT's limits
// and a ups.status made of NUT's tokens, and builds SETs of the SNMP types NUT uses.
import { describe, expect } from 'vitest';
import fc from 'fast-check';
import { fuzz, fuzzAsync } from './harness.js';
import { ASN, MAX_STRING, SnmpUps, decodeInt, decodeStr, formatNumber, IETF_TABLE, APCC_TABLE } from '../../src/driver/snmp/index.js';
import type { Varbind } from '../../src/driver/snmp/values.js';
import { IETF_TEST_RESULT } from '../../src/driver/snmp/ietf-mib.js';
import { DriverError } from '../../src/core/errors.js';
import { isValidName } from '../../src/protocol/sock/index.js';
import { MAX_VALUE_LEN } from '../../src/driver/dstate.js';
import { FakeAgent, QuietLogger, newState } from '../driver/snmp/fake-agent.js';

const TYPES = Object.values(ASN);
const value = fc.oneof(
  fc.integer(), fc.double(), fc.bigInt(), fc.constant(null), fc.string(),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.array(fc.nat(1000), { minLength: 1, maxLength: 12 }).map((a) => a.join('.')),
);
const varbind: fc.Arbitrary<Varbind> = fc.record({ type: fc.oneof(fc.constantFrom(...TYPES), fc.integer({ min: 0, max: 255 })), value });
const NUMBER = /^-?\d+(\.\d\d)?$/;
const TOKENS = new Set(['OL', 'OB', 'LB', 'RB', 'BYPASS', 'CAL', 'OFF', 'OVER', 'TRIM', 'BOOST', 'TEST', 'ALARM']);

describe('fuzz snmp', () => {
  fuzz('snmp', 'any varbind decodes to a value, an OID to follow, or a failure; strings ≤ 127', varbind, (vb) => {
    const i = decodeInt(vb);
    if (i.kind === 'value') expect(Number.isFinite(i.value)).toBe(true);
    for (const t of [undefined, IETF_TEST_RESULT]) {
      const s = decodeStr(vb, t);
      if (s.kind === 'value') expect(s.value.length).toBeLessThanOrEqual(MAX_STRING);
    }
  });

  fuzz('snmp', 'numbers render as %i or %.2f', fc.tuple(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.constantFrom(0.1, 1, 60, 3)), ([v, m]) => {
    expect(formatNumber(v, m)).toMatch(NUMBER);
  });

  fuzzAsync('snmp', 'the whole engine over arbitrary answers: typed errors only, NUT limits hold', fc.tuple(fc.constantFrom('auto', 'ietf', 'apcc'), fc.array(varbind, { minLength: 1, maxLength: 40 }), fc.boolean()), async ([mibs, answers, v2]) => {
    const oids = new Map<string, Varbind>();
    const all = [...new Set([...IETF_TABLE, ...APCC_TABLE].map((e) => e.oid).filter((o): o is string => o !== null).map((o) => o.replace(/^\./, '')))];
    all.push('1.3.6.1.2.1.1.2.0');
    all.forEach((oid, n) => { const a = answers[n % answers.length]; if (a && (v2 || n % 3 !== 0)) oids.set(oid, a); });
    const agent = new FakeAgent(oids);
    const state = newState();
    let ups: SnmpUps;
    try {
      ups = await SnmpUps.open(agent, state, new QuietLogger(), mibs, { pollFreq: 0, host: 'fuzz', upsName: 'u', nowS: () => 5 });
    } catch (err) {
      expect(err).toBeInstanceOf(DriverError);
      return;
    }
    await ups.initInfo();
    await ups.updateInfo();
    for (const v of state.tree.vars()) {
      expect(isValidName(v.name)).toBe(true);
      expect(v.value.length).toBeLessThanOrEqual(MAX_VALUE_LEN);
    }
    for (const t of (state.getInfo('ups.status') ?? '').split(' ').filter(Boolean)) expect(TOKENS.has(t)).toBe(true);
    for (const cmd of state.tree.cmds()) {
      const r = ups.buildSet('instcmd', cmd, undefined);
      if (typeof r === 'object') expect(['i', 's', 't']).toContain(r.type);
    }
  });
});
