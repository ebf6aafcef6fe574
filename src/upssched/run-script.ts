// CMDSCRIPT, run by the client (EXECUTE) and by the timer daemon (a timer's expiry).
import type { Logger } from '../runtime/log.js';

type Spawn = typeof import('node:child_process').spawn;
let loaded: Spawn | undefined;

/**
 * node:child_process, loaded on first use, not at the top: upsmon runs upssched for every event,
 * and most calls only start or cancel a timer (it also loads dgram; issue 13's start-up time).
 * The daemon calls it before it confines itself.
 */
export async function loadSpawn(): Promise<Spawn> {
  loaded ??= (await import('node:child_process')).spawn;
  return loaded;
}

/** Runs CMDSCRIPT with `word` appended, as an argv (no shell), and waits for it. */
export async function runScript(cmdScript: readonly string[], word: string, env: NodeJS.ProcessEnv, stdio: 'inherit' | 'ignore', log: Logger): Promise<void> {
  const [prog, ...args] = cmdScript as [string, ...string[]];
  const spawn = await loadSpawn();
  return new Promise((resolve) => {
    const child = spawn(prog, [...args, word], { env, stdio });
    child.on('error', (e) => { log.error(`cannot run ${prog}: ${e.message}`); resolve(); });
    child.on('exit', (code, signal) => {
      if (signal) log.warn(`${prog} ${word} terminated with signal ${signal}`);
      else if (code !== 0) log.info(`${prog} ${word} returned ${String(code)}`);
      resolve();
    });
  });
}
