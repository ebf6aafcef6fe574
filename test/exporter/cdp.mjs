// One Chrome DevTools Protocol call, for test/exporter/chromium.test.ts: Node 20 has WebSocket
// only behind --experimental-websocket, so the test runs this in a child node with that flag.
// usage: node --experimental-websocket cdp.mjs <webSocketDebuggerUrl> <method> <params JSON>
// prints the call's result as JSON on stdout; exits 1 on a CDP error.
const [url, method, params] = process.argv.slice(2);
const ws = new WebSocket(url);
const timer = setTimeout(() => { process.stderr.write('cdp: no answer in 20 s\n'); process.exit(1); }, 20_000);
ws.addEventListener('open', () => ws.send(JSON.stringify({ id: 1, method, params: JSON.parse(params ?? '{}') })));
ws.addEventListener('message', (ev) => {
  const msg = JSON.parse(String(ev.data));
  if (msg.id !== 1) return;
  clearTimeout(timer);
  if (msg.error) { process.stderr.write(`cdp: ${JSON.stringify(msg.error)}\n`); process.exitCode = 1; } else process.stdout.write(JSON.stringify(msg.result));
  ws.close();
});
ws.addEventListener('error', () => { process.stderr.write('cdp: websocket error\n'); process.exit(1); });
