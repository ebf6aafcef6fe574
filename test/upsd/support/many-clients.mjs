// Opens N connections to upsd and holds them (for the 10,000-connection test). Each connection
// sends NETVER and must get "1.3". Prints one JSON line when all are open; then, on "ping" from
// stdin, asks every connection again and prints the count that answered; on "quit", exits.
import net from 'node:net';
import readline from 'node:readline';

const [port, count, batch] = process.argv.slice(2).map(Number);
const socks = [];
let failed = 0;

let opened = 0;

/**
 * 8 connections per source address (127.2.x.y): upsd lets one address hold only a few connections
 * that have not logged in (MAX_UNAUTH_PER_ADDRESS), and cuts idle ones early from an address that
 * holds more than half of them.
 */
function open() {
  const a = (opened++ >> 3) + 1;
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress: `127.2.${a >> 8}.${a & 255}` });
    let buf = '';
    s.setNoDelay(true);
    s.once('connect', () => s.write('NETVER\n'));
    s.on('data', (d) => {
      buf += d;
      if (buf.endsWith('\n')) { s.removeAllListeners('data'); s.pause(); resolve(buf === '1.3\n' ? s : null); }
    });
    s.on('error', () => resolve(null));
    s.on('close', () => resolve(null));
  });
}

const t0 = Date.now();
for (let i = 0; i < count; i += batch) {
  const got = await Promise.all(Array.from({ length: Math.min(batch, count - i) }, open));
  for (const s of got) { if (s) socks.push(s); else failed++; }
}
console.log(JSON.stringify({ open: socks.length, failed, ms: Date.now() - t0 }));

async function pingAll() {
  const answers = await Promise.all(socks.map((s) => new Promise((resolve) => {
    if (s.destroyed) { resolve(false); return; }
    let buf = '';
    const onData = (d) => { buf += d; if (buf.endsWith('\n')) { s.removeListener('data', onData); s.pause(); resolve(buf === '1.3\n'); } };
    s.on('data', onData);
    s.resume();
    s.write('NETVER\n');
    setTimeout(() => resolve(false), 30000);
  })));
  return answers.filter(Boolean).length;
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  if (line === 'ping') console.log(JSON.stringify({ answered: await pingAll() }));
  if (line === 'quit') { for (const s of socks) s.destroy(); process.exit(0); }
});
