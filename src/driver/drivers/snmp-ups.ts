// snmp-ups: NUT 2.8.0's generic SNMP driver over npm net-snmp (v1, v2c, v3), with the ietf
// (RFC 1628, spec §10.4) and apcc (APC PowerNet) mappings. The NUT logic is src/driver/snmp;
// this file opens the session and moves PDUs.
//
// Open as root, parse as nut (issue #12): openDevice resolves the host name once (NUT's snmp_open
// does the same; after a chroot /etc/hosts may be gone) and creates the UDP socket, since the
// driver-snmp seccomp role allows no new Internet socket. It sends nothing, and the runtime drops
// privileges before the event loop polls again, so no datagram is parsed as root. MIB detection
// and the start-up reads (parsing the agent's replies) run in initUps, after the drop.
// A session `error` listener is always attached: net-snmp emits `error` for a reply it cannot
// parse, and an unlistened `error` would end the process.
import { once } from 'node:events';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import snmp from 'net-snmp';
import type { Session, Varbind as NetVarbind, VarbindIn } from 'net-snmp';
import { DriverError } from '../../core/errors.js';
import { SnmpUps, MAPPINGS, type GetOutcome, type SetRequest, type SnmpIo } from '../snmp/engine.js';
import { parseOptions, type SnmpOptions } from '../snmp/options.js';
import type { DriverContext, DriverDefinition, DriverInstance } from '../driver.js';
import type { Logger } from '../../runtime/log.js';

/** net-snmp `error` events (unparseable replies) logged in a row before logging slows down. */
const GARBAGE_LOG_LIMIT = 10;
const GARBAGE_LOG_RATE = 100;

const SET_TYPES: Record<SetRequest['type'], number> = {
  i: snmp.ObjectType['Integer'] as number,
  s: snmp.ObjectType['OctetString'] as number,
  t: snmp.ObjectType['TimeTicks'] as number,
};

const bare = (oid: string): string => oid.replace(/^\./, '');

/** SnmpIo over one net-snmp session. Every callback and throw is turned into an outcome. */
export class NetSnmpIo implements SnmpIo {
  private garbage = 0;

  constructor(private readonly session: Session, private readonly log: Logger) {
    session.on('error', (err: Error) => {
      this.garbage++;
      if (this.garbage <= GARBAGE_LOG_LIMIT || this.garbage % GARBAGE_LOG_RATE === 0) {
        log.warn(`snmp-ups: ignoring a reply that is not SNMP (${err.message})${this.garbage === GARBAGE_LOG_LIMIT ? '; further ones logged every 100' : ''}`);
      }
    });
  }

  get(oid: string): Promise<GetOutcome> {
    return new Promise((resolve) => {
      try {
        this.session.get([bare(oid)], (err, vbs) => {
          if (err) { resolve({ ok: false, timeout: err instanceof snmp.RequestTimedOutError, message: err.message }); return; }
          const vb: NetVarbind | undefined = vbs?.[0];
          if (!vb || typeof vb.type !== 'number') { resolve({ ok: false, timeout: false, message: 'empty response' }); return; }
          resolve({ ok: true, vb: { type: vb.type, value: vb.value } });
        });
      } catch (err) {
        resolve({ ok: false, timeout: false, message: (err as Error).message });
      }
    });
  }

  set(req: SetRequest): Promise<{ ok: boolean; timeout: boolean; message?: string }> {
    const vb: VarbindIn = { oid: bare(req.oid), type: SET_TYPES[req.type], value: req.value };
    return new Promise((resolve) => {
      try {
        this.session.set([vb], (err) => {
          if (err) resolve({ ok: false, timeout: err instanceof snmp.RequestTimedOutError, message: err.message });
          else resolve({ ok: true, timeout: false });
        });
      } catch (err) {
        resolve({ ok: false, timeout: false, message: (err as Error).message });
      }
    });
  }
}

export class SnmpUpsDriver implements DriverInstance {
  private session: Session | undefined;
  private io: NetSnmpIo | undefined;
  private ups: SnmpUps | undefined;
  private readonly opts: SnmpOptions;

  constructor(private readonly ctx: DriverContext) {
    this.opts = parseOptions(ctx.port, (name) => this.option(name));
  }

  private option(name: string): string | undefined {
    const v = this.ctx.vars.get(name.toLowerCase());
    return v === null ? undefined : v;
  }

  private flag(name: string): boolean {
    return this.ctx.vars.has(name.toLowerCase());
  }

  private get engine(): SnmpUps {
    if (!this.ups) throw new DriverError('snmp-ups: not initialised', 'ERR_SNMP_STATE');
    return this.ups;
  }

  /** As root: resolve the agent's name and create the session's socket; nothing is sent yet. */
  async openDevice(): Promise<void> {
    const { opts } = this;
    if (opts.mibs === '--list') {
      process.stdout.write(`${['NUMBER\tMAPPING NAME\tVERSION\tENTRY POINT OID', ...MAPPINGS.map((m, i) => `${i + 1}\t${m.name}\t${m.version}\t${m.sysOid ?? '<NULL>'}`)].join('\n')}\n`);
      throw new DriverError(`listed ${MAPPINGS.length} MIB-to-NUT mappings`, 'ERR_SNMP_LISTED');
    }
    const { host, port, ipv6Hint } = opts.target;
    let address = host;
    let family = isIP(host);
    if (family === 0) {
      try {
        const r = await dnsLookup(host, ipv6Hint ? { family: 6 } : {});
        address = r.address;
        family = r.family;
      } catch (err) {
        throw new DriverError(`Unable to establish communication: ${host}: ${(err as Error).message}`, 'ERR_SNMP_HOST');
      }
    }
    // A source address makes net-snmp bind now: libuv creates the socket at bind (or else at the
    // first send, which -k makes only after the filter, where socket(AF_INET) is fatal).
    const base = { port, retries: opts.retries, timeout: opts.timeoutMs, transport: family === 6 ? 'udp6' as const : 'udp4' as const, sourceAddress: family === 6 ? '::' : '0.0.0.0' };
    if (opts.version === 'v3' && opts.v3) {
      const v3 = opts.v3;
      this.session = snmp.createV3Session(address, {
        name: v3.name,
        level: snmp.SecurityLevel[v3.level],
        ...(v3.level !== 'noAuthNoPriv' ? { authProtocol: snmp.AuthProtocols[v3.authProtocol] as string, authKey: v3.authKey ?? '' } : {}),
        ...(v3.level === 'authPriv' ? { privProtocol: snmp.PrivProtocols[v3.privProtocol] as string, privKey: v3.privKey ?? '' } : {}),
      }, { ...base, version: snmp.Version3 });
    } else {
      this.session = snmp.createSession(address, opts.community, { ...base, version: opts.version === 'v2c' ? snmp.Version2c : snmp.Version1 });
    }
    // the `error` listener from the start: an unlistened `error` would end the process
    this.io = new NetSnmpIo(this.session, this.ctx.log);
    try {
      await once(this.session.dgram, 'listening');
    } catch (err) {
      throw new DriverError(`Unable to establish communication: ${host}: ${(err as Error).message}`, 'ERR_SNMP_HOST');
    }
  }

  /** upsdrv_initups after the drop: MIB detection and start-up reads parse the agent's replies. */
  async initUps(): Promise<void> {
    const { ctx, opts } = this;
    if (!this.io) throw new DriverError('snmp-ups: no session', 'ERR_SNMP_STATE');
    const io = this.io;
    this.ups = await SnmpUps.open(io, ctx.state, ctx.log, opts.mibs, {
      pollFreq: opts.pollFreq,
      noTransferOids: this.flag('notransferoids'),
      symmetraThreePhase: this.flag('symmetrathreephase'),
      onDelay: this.option('ondelay'),
      offDelay: this.option('offdelay'),
      host: ctx.port,
      upsName: ctx.upsName,
    });
  }

  initInfo(): Promise<void> {
    return this.engine.initInfo();
  }

  updateInfo(): Promise<void> {
    return this.engine.updateInfo();
  }

  instcmd(cmd: string, param: string | undefined): Promise<number> {
    return this.engine.instcmd(cmd, param);
  }

  setvar(name: string, value: string): Promise<number> {
    return this.engine.setvar(name, value);
  }

  shutdown(): Promise<void> {
    return this.engine.shutdown();
  }

  cleanup(): void {
    try { this.session?.close(); } catch { /* already closed */ }
    this.session = undefined;
  }
}

export const snmpUps: DriverDefinition = {
  name: 'snmp-ups',
  version: '1.21',
  description: 'Generic SNMP UPS driver',
  seccompRole: 'driver-snmp',
  vars: [
    { name: 'mibs', kind: 'value', description: 'MIB mapping: auto (default), ietf, apcc or tripplite; --list shows them' },
    { name: 'community', kind: 'sensitive', description: 'community name (default public)' },
    { name: 'snmp_version', kind: 'value', description: 'SNMP version: v1 (default), v2c or v3' },
    { name: 'pollfreq', kind: 'value', description: 'seconds between two reads of the whole table (default 30)' },
    { name: 'semistaticfreq', kind: 'value', description: 'update cycles between refreshes of semi-static values (default 10)' },
    { name: 'snmp_retries', kind: 'value', description: 'retries of a request (default 5)' },
    { name: 'snmp_timeout', kind: 'value', description: 'seconds to wait for a reply before a retry (default 1)' },
    { name: 'notransferoids', kind: 'flag', description: 'do not read the transfer voltages (APC Symmetra)' },
    { name: 'symmetrathreephase', kind: 'flag', description: 'APC three-phase Symmetra quirks' },
    { name: 'secLevel', kind: 'value', description: 'SNMPv3 security level: noAuthNoPriv (default), authNoPriv or authPriv' },
    { name: 'secName', kind: 'sensitive', description: 'SNMPv3 security name' },
    { name: 'authPassword', kind: 'sensitive', description: 'SNMPv3 authentication pass phrase' },
    { name: 'privPassword', kind: 'sensitive', description: 'SNMPv3 privacy pass phrase' },
    { name: 'authProtocol', kind: 'value', description: 'SNMPv3 authentication protocol: MD5 (default), SHA, SHA256, SHA384 or SHA512' },
    { name: 'privProtocol', kind: 'value', description: 'SNMPv3 privacy protocol: DES (default), AES or AES256' },
    { name: 'ondelay', kind: 'value', description: 'start delay after a shutdown (s)' },
    { name: 'offdelay', kind: 'value', description: 'delay before a shutdown (s)' },
  ],
  create: (ctx) => new SnmpUpsDriver(ctx),
};
