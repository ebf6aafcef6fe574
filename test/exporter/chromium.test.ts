// Headless Chromium (Debian's) loads the exporter's status page: every UPS of both upsd is on
// screen (screenshot taken), and when one goes on battery the page shows it without a reload.
// Driven through the DevTools protocol (cdp.mjs). The server-rendered page (JavaScript off) is
// checked over plain HTTP.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DAEMON_USER_WHY, onPath, requireAll, runsDaemons } from '../support/peers.js';
import { freePort, run, startProcess, waitFor, type Proc } from '../support/stack.js';
import { scratchDir, startExporterStack, upsc, type ExporterStack } from './stack.js';

const CHROMIUM = 'chromium';
const CDP = fileURLToPath(new URL('./cdp.mjs', import.meta.url));
let s: ExporterStack;
let browser: Proc;
let page: string;
let shots: string;

async function cdp(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
  const r = await run(process.execPath, ['--experimental-websocket', '--no-warnings', CDP, page, method, JSON.stringify(params)], process.env, 30_000);
  if (r.code !== 0) throw new Error(`${method}: ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown;
}

/** Evaluates an expression in the page and returns its value. */
async function evaluate<T>(expression: string): Promise<T> {
  const r = await cdp('Runtime.evaluate', { expression, returnByValue: true }) as { result: { value: T }; exceptionDetails?: unknown };
  if (r.exceptionDetails) throw new Error(`evaluate ${expression}: ${JSON.stringify(r.exceptionDetails)}`);
  return r.result.value;
}

async function screenshot(name: string): Promise<Buffer> {
  const r = await cdp('Page.captureScreenshot', { format: 'png' }) as { data: string };
  const png = Buffer.from(r.data, 'base64');
  writeFileSync(join(shots, name), png);
  return png;
}

beforeAll(async ({}, suite) => {
  requireAll(suite, runsDaemons(), DAEMON_USER_WHY);
  requireAll(suite, onPath(CHROMIUM), 'Debian\'s chromium (apt-get install chromium)');
  s = await startExporterStack({ poll: 1, maxAge: 4 });
  // HARDNUT_SCREENSHOTS keeps the screenshots (else they go with the test's temp dir)
  shots = process.env['HARDNUT_SCREENSHOTS'] || scratchDir(s.a.dir, 'shots');
  const port = await freePort();
  browser = startProcess(CHROMIUM, [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions', '--mute-audio',
    `--user-data-dir=${scratchDir(s.a.dir, 'chromium')}`, `--remote-debugging-port=${String(port)}`, '--remote-debugging-address=127.0.0.1',
    '--window-size=1280,1000', `${s.url}/`,
    // its org.chromium.Chromium.* scratch files go in the test's dir, removed with it (the leak check)
  ], { ...process.env, TMPDIR: scratchDir(s.a.dir, 'tmp') });
  page = await waitFor('Chromium with the status page open', async () => {
    try {
      const list = await (await fetch(`http://127.0.0.1:${String(port)}/json/list`)).json() as Array<{ type: string; url: string; webSocketDebuggerUrl: string }>;
      return list.find((t) => t.type === 'page' && t.url.startsWith(s.url))?.webSocketDebuggerUrl;
    } catch { return undefined; }
  }, 60_000, 250).catch((e: unknown) => { throw new Error(`${(e as Error).message}\n${browser.output()}`); });
  await waitFor('the page loaded', async () => (await evaluate<string>('document.readyState')) === 'complete', 30_000, 250);
}, 180_000);

afterAll(async () => {
  await browser?.stop();
  await s?.stop();
}, 60_000);

describe('the status page in headless Chromium', () => {
  it('with JavaScript off the server-rendered page already lists every UPS, and loads nothing remote', async () => {
    const html = await (await fetch(`${s.url}/`)).text();
    for (const id of ['ups-alpha-ups1', 'ups-alpha-ups2', 'ups-beta-ups3']) expect(html).toContain(`id="${id}"`);
    expect(html).toContain('<svg');
    // every src/href is a path on this server
    expect([...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]).filter((u) => !(u ?? '').startsWith('/'))).toEqual([]);
  });

  it('shows every UPS of both servers on screen, in words, with its charge', async () => {
    const cards = await evaluate<Array<{ id: string; text: string; visible: boolean }>>(
      `[...document.querySelectorAll('section.ups')].map((e) => { const r = e.getBoundingClientRect();
        return { id: e.id, text: e.innerText, visible: r.width > 0 && r.height > 0 && r.top < innerHeight && r.left < innerWidth }; })`);
    expect(cards.map((c) => c.id)).toEqual(['ups-alpha-ups1', 'ups-alpha-ups2', 'ups-beta-ups3']);
    for (const c of cards) expect(c.visible, c.id).toBe(true);
    expect(cards[2]?.text).toMatch(/On battery/);
    expect(cards[2]?.text).toContain(`${await upsc(s.b, 'ups3', 'battery.charge')} %`);
    const png = await screenshot('status-page.png');
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.length).toBeGreaterThan(10_000);
  }, 60_000);

  it('a UPS going on battery changes the page without a reload', async () => {
    // a mark in this document: a reload would lose it
    await evaluate('window.__hardnutMark = 42');
    expect(await evaluate<string>("document.getElementById('ups-alpha-ups1').dataset.status")).toBe('OL');
    s.setDev(s.a, 'ups1', 'ups.status: OB DISCHRG\nbattery.charge: 48\nups.load: 20\n');
    await waitFor('the page showing ups1 on battery', async () =>
      (await evaluate<string>("document.getElementById('ups-alpha-ups1').dataset.status")) === 'OB DISCHRG', 30_000, 250);
    expect(await evaluate<number>('window.__hardnutMark')).toBe(42);
    const card = await evaluate<{ cls: string; text: string }>("(() => { const e = document.getElementById('ups-alpha-ups1'); return { cls: e.className, text: e.innerText }; })()");
    expect(card.cls).toContain('alert');
    expect(card.text).toMatch(/On battery/);
    expect(card.text).toContain('48 %');
    await screenshot('status-page-ob.png');
  }, 60_000);
});
