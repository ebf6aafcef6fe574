// CMDSCRIPT, run by the client (EXECUTE) and by the timer daemon (a timer's expiry).
import type { Logger } from '../runtime/log.js';

/** Runs CMDSCRIPT with `word` appended, as an argv (no shell), and waits for it. */
export async function runScript(cmdScript: readonly string[], word: string, env: NodeJS.ProcessEnv, stdio: 'inherit' | 'ignore', log: Logger): Promise<void> {
  const [prog, ...args] = cmdScript as [string, ...string[]];
  // loaded here, not at the top: upsmon runs upssched for every event, and most calls only
  // start or cancel a timer (node:child_process also loads dgram; issue 13's start-up time)
  const { spawn } = await import('node:child_process');
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
