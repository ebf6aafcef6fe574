// A switched PDU with a telnet-style line interface on TCP, for scripted-ups's
// conf/devices/pdu-telnet.script. Commands end with CRLF, so do replies:
//   ident        → HARDNUT-PDU4 4 FW1.2
//   status       → 1:ON 2:OFF 3:ON 4:ON 2.4A 230V
//   on N / off N → OK (N = 1…4), else ERR
//   delays       → 1:0 2:0 3:0 4:0 (each outlet's power-on delay, seconds)
//   delay N S    → OK (S = 0…3600), else ERR
// Anything else → ERR. Runs in the test process; `rx` records every byte received.
import net from 'node:net';

export interface PduSim {
  port: number;
  outlets: boolean[];
  /** Power-on delay of each outlet, seconds. */
  delays: number[];
  amps: number;
  /** Every byte received, latin1. */
  rx: string;
  /** Stop answering (connections stay open). */
  silent: boolean;
  /** Drop every connection now (the driver must reconnect). */
  dropAll(): void;
  connections(): number;
  stop(): Promise<void>;
}

export async function startPduSim(): Promise<PduSim> {
  const socks = new Set<net.Socket>();
  let accepted = 0;
  const sim: PduSim = {
    port: 0, outlets: [true, false, true, true], delays: [0, 0, 0, 0], amps: 2.4, rx: '', silent: false,
    dropAll: () => { for (const s of socks) s.destroy(); },
    connections: () => accepted,
    stop: async () => {
      for (const s of socks) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const answer = (line: string): string => {
    if (line === 'ident') return 'HARDNUT-PDU4 4 FW1.2';
    if (line === 'status') return `${sim.outlets.map((on, i) => `${i + 1}:${on ? 'ON' : 'OFF'}`).join(' ')} ${sim.amps.toFixed(1)}A 230V`;
    const m = /^(on|off) ([1-4])$/.exec(line);
    if (m) { sim.outlets[Number(m[2]) - 1] = m[1] === 'on'; return 'OK'; }
    if (line === 'delays') return sim.delays.map((d, i) => `${i + 1}:${d}`).join(' ');
    const dm = /^delay ([1-4]) (\d{1,4})$/.exec(line);
    if (dm && Number(dm[2]) <= 3600) { sim.delays[Number(dm[1]) - 1] = Number(dm[2]); return 'OK'; }
    return 'ERR';
  };
  const server = net.createServer((s) => {
    accepted++;
    socks.add(s);
    let buf = '';
    s.on('data', (d: Buffer) => {
      const text = d.toString('latin1');
      sim.rx += text;
      buf = (buf + text).slice(-4096);
      let nl;
      while ((nl = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        if (!sim.silent) s.write(`${answer(line)}\r\n`);
      }
    });
    s.on('error', () => s.destroy());
    s.on('close', () => socks.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  sim.port = (server.address() as net.AddressInfo).port;
  return sim;
}
