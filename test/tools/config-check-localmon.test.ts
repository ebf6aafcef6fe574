// `hardnut config check` on a no-network setup (issue 14): ups.conf + upsmon.conf with LOCALMONITOR.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/tools/config-check.js';

let tmp: string;
let err: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'hardnut-localmon-check-'));
  chmodSync(tmp, 0o711); // upsd's user must reach the files, as in /etc/nut
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { err += String(chunk); return true; });
});
afterEach(() => { vi.restoreAllMocks(); rmSync(tmp, { recursive: true, force: true }); });

function setup(upsmon: string, withStateDir = true): NodeJS.ProcessEnv {
  const etc = join(tmp, 'etc');
  const state = join(tmp, 'state');
  mkdirSync(etc);
  chmodSync(etc, 0o755);
  if (withStateDir) mkdirSync(state);
  writeFileSync(join(etc, 'ups.conf'), '[myups]\n\tdriver = dummy-ups\n\tport = myups.dev\n');
  writeFileSync(join(etc, 'myups.dev'), 'ups.status: OL\n');
  writeFileSync(join(etc, 'upsmon.conf'), `${upsmon}\nSHUTDOWNCMD "/sbin/shutdown -h +0"\nPOWERDOWNFLAG /etc/killpower\n`);
  return { ...process.env, NUT_CONFPATH: etc, NUT_STATEPATH: state };
}

describe('config check: LOCALMONITOR', () => {
  it('the minimal no-network setup checks clean', async () => {
    const env = setup('LOCALMONITOR myups 1');
    expect(await main(['check'], env), err).toBe(0);
    expect(err).not.toMatch(/LOCALMONITOR/);
  });

  it('a UPS ups.conf does not define is an error (upsmon would refuse to start)', async () => {
    const env = setup('LOCALMONITOR other 1');
    expect(await main(['check'], env)).toBe(1);
    expect(err).toMatch(/upsmon\.conf:1: error: LOCALMONITOR other: there is no UPS \[other\] in ups\.conf/);
  });

  it('a missing socket directory is reported with the socket path', async () => {
    const env = setup('LOCALMONITOR myups 1', false);
    expect(await main(['check'], env)).toBe(0);
    expect(err).toContain(`warning: LOCALMONITOR myups: the socket directory ${join(tmp, 'state')} does not exist, so ${join(tmp, 'state', 'dummy-ups-myups')} cannot be there`);
  });
});
