// upssched's timer daemon (spec §6.2 "daemon child", §6.3, §6.4): main.ts re-run in the
// background by the client (respawnInBackground), loaded only there. It listens on PIPEFN, keeps
// the timers and runs CMDSCRIPT on expiry; NUT's differences are listed in main.ts.
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { UnsafePathError } from '../core/errors.js';
import type { Logger } from '../runtime/log.js';
import { notifyReady } from '../runtime/daemon.js';
import { installFatalHandlers } from '../sandbox/fatal.js';
import { confine } from '../sandbox/confine.js';
import { RequestDecoder } from '../protocol/upssched/request.js';
import { REPLY_OK, REPLY_UNKNOWN, encodeTimerList } from '../protocol/upssched/reply.js';
import type { Ready } from './main.js';
import { loadSpawn, runScript } from './run-script.js';
import { DEFAULT_IDLE_MS, TimerTable, type Run } from './timers.js';

/** The daemon checks its timers at least this often (NUT's select timeout, §6.2). */
export const CHECK_INTERVAL_MS = 1000;
/** §6.2: listen backlog. */
export const LISTEN_BACKLOG = 16;
/** Concurrent client connections the daemon serves (hardnut bound). */
export const MAX_CONNECTIONS = 32;
/** A client connection idle this long is closed (hardnut bound: one request per connection). */
export const CONNECTION_IDLE_MS = 10_000;
/** Test hook: idle seconds before the daemon exits (default 15, §6.4). */
export const IDLE_ENV = 'HARDNUT_UPSSCHED_IDLE_SECONDS';

function idleMs(env: NodeJS.ProcessEnv): number {
  const raw = env[IDLE_ENV];
  const n = raw === undefined || raw === '' ? NaN : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n * 1000 : DEFAULT_IDLE_MS;
}

/** The background timer daemon (§6.2 "daemon child", §6.3, §6.4). */
export async function runDaemon(r: Ready, env: NodeJS.ProcessEnv, log: Logger): Promise<number> {
  for (const k of ['UPSNAME', 'NOTIFYTYPE', 'NOTIFYMSG']) { delete env[k]; delete process.env[k]; }
  const table = new TimerTable(Date.now, idleMs(env));
  let st: ReturnType<typeof lstatSync> | undefined;
  try { st = lstatSync(r.pipeFn); } catch { /* absent */ }
  if (st && !st.isSocket()) throw new UnsafePathError(r.pipeFn, 'PIPEFN exists and is not a socket; refusing to replace it');
  if (st) unlinkSync(r.pipeFn);

  const server = createServer();
  server.maxConnections = MAX_CONNECTIONS;
  installFatalHandlers('upssched', log);
  // node:child_process, loaded lazily for the client's sake, is loaded before the confinement
  await loadSpawn();
  // The one pipeline (src/sandbox/confine.ts). PIPEFN is bound as the role's user, so the
  // socket is that user's, not root's; the filter forbids bind and chmod afterwards.
  await confine({
    role: 'upssched', log, env,
    asUser: async () => {
      const oldMask = process.umask(0o007);
      try {
        await new Promise<void>((res, rej) => {
          server.once('error', rej);
          server.listen({ path: r.pipeFn, backlog: LISTEN_BACKLOG }, () => { server.removeListener('error', rej); res(); });
        });
      } finally { process.umask(oldMask); }
      chmodSync(r.pipeFn, 0o660);
    },
  });

  notifyReady();
  try { unlinkSync(r.lockFn); } catch { /* already gone */ }
  try { log.useSyslog(); } catch { /* no syslog: stderr is /dev/null-like now */ }
  log.debug(1, 'Timer daemon started');

  let running = 0;
  let queue: Promise<void> = Promise.resolve();
  const clients = new Set<Socket>();
  const runAll = (runs: readonly Run[]): void => {
    for (const run of runs) {
      running++;
      // Sequential like NUT (fork+exec+wait), but the socket keeps being served meanwhile.
      queue = queue.then(() => runScript(r.cmdScript, run.command, { ...env, ...run.env }, 'ignore', log)).finally(() => { running--; });
    }
  };

  let exit: (code: number) => void = () => undefined;
  const finished = new Promise<number>((res) => { exit = res; });
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(tick, Math.min(table.nextExpiryIn() ?? CHECK_INTERVAL_MS, CHECK_INTERVAL_MS));
  };
  const tick = (): void => {
    const c = table.check();
    runAll(c.runs);
    if (c.exit && running === 0 && clients.size === 0) {
      log.debug(1, 'Timer queue empty, exiting');
      server.close();
      try { unlinkSync(r.pipeFn); } catch { /* gone */ }
      exit(0);
      return;
    }
    schedule();
  };

  server.on('connection', (s: Socket) => {
    clients.add(s);
    const decoder = new RequestDecoder();
    s.setTimeout(CONNECTION_IDLE_MS, () => s.destroy());
    s.on('error', () => undefined);
    s.on('close', () => { clients.delete(s); });
    s.on('data', (chunk: Buffer) => {
      for (const d of decoder.push(chunk)) {
        if (d.kind === 'request') {
          const out = table.apply(d.request);
          runAll(out.runs);
          s.write(out.list ? encodeTimerList(out.list) : REPLY_OK);
        } else if (d.kind === 'unknown') {
          log.info(`Unknown command on socket: ${d.unknown.args.slice(0, 2).join(' ')}`);
          s.write(REPLY_UNKNOWN);
        } else {
          log.notice(`Parse error on sock: ${d.error.message}`);
          if (d.error.code === 'ERR_UPSSCHED_LINE_TOO_LONG') { s.destroy(); return; }
        }
      }
      schedule();
    });
  });
  schedule();
  return finished;
}
