// `hardnut demo`: the quick start. For now: dummy-ups replays conf/demo/outage.seq and the demo
// watches its driver socket, printing every change as it happens. No root needed.

import { spawn } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SockDecoder, encodeClientMessage, parseDriverMessage } from '../protocol/sock/index.js';
import { groupName, isRoot, lookupUser } from '../sandbox/drop-privileges.js';

/** How long the demo watches: one pass through outage.seq, plus a little. */
export const DEMO_SECONDS = 22;

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const seconds = argv[0] === '--seconds' && argv[1] ? Number(argv[1]) : DEMO_SECONDS;
  const confDir = fileURLToPath(new URL('../conf/demo', import.meta.url));
  const stateDir = mkdtempSync(join(tmpdir(), 'hardnut-demo-'));
  const driverArgs = ['dummy-ups', '-a', 'demo', '-F'];
  if (isRoot()) {
    // Root is not needed; if we have it, the driver still drops it.
    const nobody = lookupUser('nobody');
    if (nobody) {
      chownSync(stateDir, nobody.uid, nobody.gid);
      driverArgs.push('-u', 'nobody', '-g', groupName(nobody.gid) ?? 'nogroup');
    }
  }
  const say = (s: string): void => { process.stdout.write(`${new Date().toISOString().slice(11, 19)}  ${s}\n`); };
  say(`dummy-ups replays ${join(confDir, 'outage.seq')}; state in ${stateDir}`);
  const driver = spawn(process.execPath, [process.argv[1] as string, ...driverArgs], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...env, NUT_CONFPATH: confDir, NUT_STATEPATH: stateDir, NUT_ALTPIDPATH: stateDir },
  });
  const socketPath = join(stateDir, 'dummy-ups-demo');
  try {
    const sock = await connectWithRetry(socketPath, 50);
    say(`connected to the driver socket ${socketPath}`);
    const decoder = new SockDecoder(parseDriverMessage);
    let dumped = false;
    sock.on('data', (chunk: Buffer) => {
      for (const m of decoder.push(chunk).messages) {
        if (m.type === 'DUMPDONE') { dumped = true; say('--- live changes from here on ---'); }
        else if (m.type === 'SETINFO' && (dumped || m.name.startsWith('ups.') || m.name.startsWith('battery.'))) {
          say(`${m.name.padEnd(20)} ${m.value}${m.name === 'ups.status' ? `   (${describeStatus(m.value)})` : ''}`);
        }
      }
    });
    sock.write(encodeClientMessage({ type: 'DUMPALL' }));
    await new Promise((r) => setTimeout(r, seconds * 1000));
    sock.destroy();
    return 0;
  } catch (err) {
    process.stderr.write(`demo: ${(err as Error).message}\n`);
    return 1;
  } finally {
    driver.kill('SIGTERM');
    await new Promise((r) => driver.once('exit', r));
    rmSync(stateDir, { recursive: true, force: true });
    say('demo finished (the next issues add upsd and upsmon to this chain)');
  }
}

const WORDS: Record<string, string> = {
  OL: 'on line power', OB: 'on battery', LB: 'battery low', CHRG: 'charging', DISCHRG: 'discharging',
  RB: 'replace battery', FSD: 'forced shutdown', ALARM: 'alarm', OFF: 'off', BYPASS: 'bypass',
};

function describeStatus(status: string): string {
  return status.split(' ').map((t) => WORDS[t] ?? t).join(', ');
}

async function connectWithRetry(path: string, tries: number): Promise<net.Socket> {
  for (let i = 0; ; i++) {
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const s = net.createConnection(path);
        s.once('connect', () => resolve(s));
        s.once('error', reject);
      });
    } catch (err) {
      if (i >= tries) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
