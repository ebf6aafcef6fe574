// The floor of bench/run.mjs: a server that does no protocol work at all, on exactly the I/O path
// hardnut's upsd uses (src/upsd/listeners.ts + connection.ts): a paused accept, the socket adopted
// with `onread` into one shared buffer, and replies written once per event-loop turn. It answers
// every LF it reads with GET VAR's reply bytes for ups1 ups.status.
//
// Its cost per request is what Node's sockets cost before upsd does anything; hardnut's minus it
// is what upsd's own code costs. Bundled and started by bench/run.mjs: `floor-server.mjs PORT`.
import net from 'node:net';
import { adoptSocket } from '../src/upsd/adopt-socket.js';

const REPLY = 'VAR ups1 ups.status "OL"\n';
const port = Number(process.argv[2]);

const waiting: Array<{ socket: net.Socket; text: string }> = [];
let scheduled = false;
function flush(): void {
  scheduled = false;
  for (const w of waiting.splice(0, waiting.length)) if (!w.socket.destroyed) w.socket.write(w.text, 'latin1');
}

const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true }, (accepted) => {
  let socket: net.Socket | null = null;
  const onBytes = (bytes: Uint8Array): void => {
    let text = '';
    for (const b of bytes) if (b === 0x0a) text += REPLY;
    if (text === '' || socket === null) return;
    waiting.push({ socket, text });
    if (!scheduled) { scheduled = true; setImmediate(flush); }
  };
  socket = adoptSocket(accepted, onBytes);
  if (socket === null) throw new Error('adoptSocket is not available in this Node: the floor would not be upsd\'s I/O path');
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  socket.on('end', () => socket?.end());
});
server.listen(port, '127.0.0.1');
