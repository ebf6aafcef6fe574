// A dispatcher with an in-memory context, for table tests and fuzzing: three UPSes (ups1 with a
// rich dump, `down` without driver, `stale` stale), users, and a fake driver that records lines.
import { parseUpsdUsers } from '../../../src/core/config/upsd-users.js';
import { splitLine } from '../../../src/core/tokenizer.js';
import { parseDriverMessage } from '../../../src/protocol/sock/parse.js';
import { AuthThrottle } from '../../../src/upsd/auth-throttle.js';
import { dispatch, type CommandContext, type Reply } from '../../../src/upsd/commands.js';
import { Descriptions } from '../../../src/upsd/descriptions.js';
import { Session } from '../../../src/upsd/session.js';
import { TrackingTable } from '../../../src/upsd/tracking.js';
import { UpsRegistry, type UpsEntry } from '../../../src/upsd/ups-registry.js';
import { UserDb } from '../../../src/upsd/users.js';

const USERS = `
[admin]
  password = adminpass
  actions = SET FSD
  instcmds = ALL
[cmduser]
  password = cmdpass
  instcmds = load.off
[mon]
  password = monpass
  upsmon primary
[sec]
  password = secpass
  upsmon secondary
[nopass]
  actions = SET
`;

const DUMP = [
  'SETINFO ups.status "OL"',
  'SETINFO ups.mfr "A \\"quoted\\" \\\\ name"',
  'SETINFO ups.id "ID1"', 'SETFLAGS ups.id RW STRING', 'SETAUX ups.id 4',
  'SETINFO input.transfer.low "160"', 'ADDENUM input.transfer.low "150"', 'ADDENUM input.transfer.low "160"', 'SETFLAGS input.transfer.low RW',
  'SETINFO input.transfer.high "280"', 'ADDRANGE input.transfer.high 260 290', 'SETFLAGS input.transfer.high RW NUMBER',
  'SETINFO ups.noaux "x"', 'SETFLAGS ups.noaux RW STRING',
  'SETINFO ups.readonly "ro"',
  'SETINFO Battery.Charge "100"',
  'ADDCMD load.off', 'ADDCMD Beeper.Enable',
  'DATAOK', 'DUMPDONE',
];

export interface Harness {
  ctx: CommandContext;
  registry: UpsRegistry;
  sent: Array<{ ups: string; line: string }>;
  sessions: Session[];
  tracking: TrackingTable;
  throttle: AuthThrottle;
  clock: { now: number };
  driverUp: boolean;
  logs: string[];
}

export function harness(): Harness {
  const registry = new UpsRegistry();
  const clock = { now: 1_000_000 };
  registry.load([
    { name: 'ups1', driver: 'dummy-ups', desc: 'My "first" UPS #1' },
    { name: 'down', driver: 'dummy-ups' },
    { name: 'stale', driver: 'dummy-ups' },
  ], clock.now);
  const feed = (e: UpsEntry, lines: string[]): void => {
    e.connectedAt(clock.now);
    for (const l of lines) {
      const m = parseDriverMessage(splitLine(l));
      if (m && m.type !== 'MALFORMED') e.apply(m, clock.now);
    }
  };
  feed(registry.get('ups1') as UpsEntry, DUMP);
  const stale = registry.get('stale') as UpsEntry;
  feed(stale, ['SETINFO ups.status "OB"', 'DATASTALE', 'DUMPDONE']);
  stale.checkFreshness(clock.now, 15);
  const h: Harness = {
    registry, clock, sent: [], sessions: [], driverUp: true, logs: [],
    tracking: new TrackingTable(), throttle: new AuthThrottle(),
    ctx: undefined as unknown as CommandContext,
  };
  let n = 0;
  h.ctx = {
    registry,
    users: new UserDb(parseUpsdUsers(USERS, 'upsd.users').value),
    tracking: h.tracking,
    descriptions: Descriptions.parse('VARDESC ups.status "UPS status"\nCMDDESC load.off "Turn off"\nVARDESC ups.mfr "Has \\"quotes\\""\n'),
    throttle: h.throttle,
    tlsReady: false,
    hardnutVersion: '9.9.9',
    log: { debugLevel: 0, info: (m) => h.logs.push(m), notice: (m) => h.logs.push(m), debug: () => undefined },
    now: () => h.clock.now,
    sessions: () => [...h.sessions].reverse(),
    sendToDriver: (ups, line) => { if (!h.driverUp) return false; h.sent.push({ ups: ups.name, line }); return true; },
    newTrackingId: () => `0000000${String(++n)}-0000-4000-8000-000000000000`,
  };
  return h;
}

export function session(h: Harness, address = '127.0.0.1'): Session {
  const s = new Session(h.sessions.length + 1, address, 'tcp', h.clock.now);
  h.sessions.push(s);
  return s;
}

/** Runs request lines on one session; returns the reply texts. */
export function run(h: Harness, s: Session, lines: string[]): Reply[] {
  return lines.map((l) => dispatch(h.ctx, s, splitLine(l)));
}

