// upsd reads accepted sockets through onread (adopt-socket.ts). If node:net stopped honouring the
// moved handle, upsd would fall back to 'data' events silently and only get slower: this test
// says so instead.
import { describe, it, expect } from 'vitest';
import net from 'node:net';
import { adoptSocket } from '../../src/upsd/adopt-socket.js';

describe('adoptSocket', () => {
  it('moves an accepted socket onto a shared read buffer: bytes arrive in the callback, writes and EOF still work', async () => {
    const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const seen: Uint8Array[] = [];
    const adopted = new Promise<net.Socket | null>((resolve) => {
      server.once('connection', (accepted: net.Socket) => {
        const s = adoptSocket(accepted, (bytes) => {
          seen.push(bytes);
          s?.write(`got ${String(bytes.length)}\n`);
        });
        s?.on('end', () => s.end('bye\n'));
        resolve(s);
      });
    });
    const client = net.connect(port, '127.0.0.1');
    let reply = '';
    client.on('data', (d: Buffer) => { reply += d.toString('latin1'); });
    const closed = new Promise<void>((r) => client.on('close', () => r()));
    const s = await adopted;
    expect(s, 'node:net ignored the moved handle: upsd would fall back to data events').not.toBeNull();
    client.write('GET VAR ups1 ups.status\n');
    await new Promise<void>((r) => { const t = setInterval(() => { if (reply.includes('got')) { clearInterval(t); r(); } }, 5); });
    client.end();
    await closed;
    expect(reply).toBe('got 24\nbye\n');
    // views of one shared buffer, not a fresh Buffer per read
    expect(seen[0]?.buffer.byteLength).toBeGreaterThanOrEqual(64 * 1024);
    server.close();
  });
});
