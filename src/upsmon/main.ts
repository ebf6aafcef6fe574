// `hardnut upsmon`: NUT's monitor with NUT's flags (§5.2) and files, split into processes as
// DESIGN.md draws it (supervisor/supervisor.ts): a jailed network child, a dispatcher, a notifier
// and the small supervisor that started them. Every one of them starts here, and import()s only
// its own code: a child never holds the supervisor's (start.ts and what it loads, killpower's
// included), nor another child's (issue 12; test/layout.test.ts checks the import closures).
// Hidden, internal: `--role net|dispatch|notify|rule-action` starts one of the supervisor's children
// (rule-action: action/rule-action-process.ts, one per fsd/instcmd rule event); each expects
// the supervisor's control channel on stdin and its pipe on fd 3 (monitor/net-child.ts,
// dispatcher/dispatch-process.ts). Started by hand it waits for a start message and does nothing else.

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv[0] === '--role') {
    // An internal child of the supervisor: it ends the process itself, whatever is still open.
    // Each child import()s its own half before it confines itself.
    const code = argv[1] === 'net' ? await (await import('./monitor/net-child.js')).runNetChild()
      : argv[1] === 'dispatch' ? await (await import('./dispatcher/dispatch-process.js')).runDispatchProcess()
      : argv[1] === 'notify' ? await (await import('./notifier/notify-process.js')).runNotifyProcess()
      : argv[1] === 'rule-action' ? await (await import('./action/rule-action-process.js')).runRuleActionProcess() : 2;
    process.exit(code);
  }
  return (await import('./start.js')).startUpsmon(argv, env);
}
