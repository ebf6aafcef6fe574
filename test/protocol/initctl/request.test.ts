// sysvinit's 384-byte init request (initreq.h), the bytes `telinit 0` writes to /run/initctl.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SLEEPTIME, INIT_CMD_RUNLVL, INIT_MAGIC, INIT_REQUEST_BYTES, InitRequestError, decodeInitRequest, encodeInitRequest,
} from '../../../src/protocol/initctl/index.js';

describe('encodeInitRequest', () => {
  it('lays out magic, INIT_CMD_RUNLVL, the runlevel character and telinit\'s sleeptime, then 368 zero bytes', () => {
    const bytes = encodeInitRequest('0');
    expect(bytes.length).toBe(384);
    // 0x03091969, 1, '0' (48), 5 as little-endian ints, like telinit writes on x86 and arm64
    expect(Buffer.from(bytes.subarray(0, 16)).toString('hex')).toBe('69190903' + '01000000' + '30000000' + '05000000');
    expect(bytes.subarray(16).every((b) => b === 0)).toBe(true);
    expect(decodeInitRequest(bytes)).toEqual({ magic: INIT_MAGIC, cmd: INIT_CMD_RUNLVL, runlevel: '0', sleeptime: DEFAULT_SLEEPTIME });
  });

  it('takes any level telinit takes, a sleeptime, and big-endian hosts', () => {
    expect(decodeInitRequest(encodeInitRequest('6', { sleeptime: 0 }))).toMatchObject({ runlevel: '6', sleeptime: 0 });
    expect(decodeInitRequest(encodeInitRequest('S'))).toMatchObject({ runlevel: 'S' });
    const be = encodeInitRequest('0', { littleEndian: false });
    expect(Buffer.from(be.subarray(0, 8)).toString('hex')).toBe('0309196900000001');
    expect(decodeInitRequest(be, false).magic).toBe(INIT_MAGIC);
  });

  it('refuses what init would not understand', () => {
    for (const level of ['', '00', '7x', 'x', 'Z', '\0']) expect(() => encodeInitRequest(level)).toThrow(InitRequestError);
    expect(() => encodeInitRequest('0', { sleeptime: -1 })).toThrow(/bad sleeptime/);
    expect(() => encodeInitRequest('0', { sleeptime: 1.5 })).toThrow(/bad sleeptime/);
    expect(() => decodeInitRequest(new Uint8Array(INIT_REQUEST_BYTES - 1))).toThrow(/384 bytes/);
  });
});
