// battery.charge and battery.runtime for Q1 units, which report neither: NUT 2.8.0's nutdrv_qx
// "guesstimation" from the battery voltage (and, with `runtimecal`, from load and time on
// battery). Same formulas, same order of updates, so the published numbers are NUT's.
// Pure: the caller passes the state getters/setters and the clock.

import { formatFixed, cStrtod, cStrtol, strspn } from './cformat.js';
import { HardnutError } from '../../core/errors.js';

/** NUT's d_equal: doubles equal within DBL_EPSILON. */
const dEqual = (a: number, b: number): boolean => Math.abs(a - b) < Number.EPSILON;

/** Battery pack multipliers NUT tries, highest first. */
const PACKS: readonly number[] = [120, 100, 80, 60, 48, 36, 30, 24, 18, 12, 8, 6, 4, 3, 2, 1, 0.5];
/** chargetime default: 12 hours from empty to full. */
export const DEFAULT_CHARGE_TIME_S = 43200;
/** idleload default: 10 %. */
export const DEFAULT_IDLE_LOAD = 0.1;

export interface BatteryIo {
  get(name: string): string | undefined;
  set(name: string, value: string): void;
  /** ups.conf driver variable (runtimecal, chargetime, idleload). */
  option(name: string): string | undefined;
  info(message: string): void;
}

/** A battery option NUT refuses at start-up (runtimecal, chargetime, idleload). */
export class BatteryConfigError extends HardnutError {
  constructor(message: string) {
    super('ERR_QX_BATTERY', message);
  }
}

/** sscanf(text, "%lf,%lf,%lf,%lf"): the numbers read before the first mismatch. */
function scanFourDoubles(text: string): number[] {
  const out: number[] = [];
  let rest = text;
  for (let i = 0; i < 4; i++) {
    if (i > 0) {
      if (!rest.startsWith(',')) break;
      rest = rest.slice(1);
    }
    const m = /^[ \t\n\v\f\r]*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(rest);
    if (!m) break;
    out.push(cStrtod(m[1] as string));
    rest = rest.slice(m[0].length);
  }
  return out;
}

export class QxBattery {
  packs = 1;
  runtAct = -1;
  runtNom = -1;
  runtEst = 0;
  runtExp = 0;
  voltAct = -1;
  voltHigh = -1;
  voltNom = -1;
  voltLow = -1;
  chrgAct = -1;
  chrgTime = DEFAULT_CHARGE_TIME_S;
  loadAct = 0;
  loadLow = DEFAULT_IDLE_LOAD;
  loadEff = 1;
  lastPoll = 0;

  constructor(private readonly io: BatteryIo) {}

  /** qx_battery: the pack-corrected voltage, and a charge from it when the UPS gave none. */
  private fromVoltage(): boolean {
    const val = this.io.get('battery.voltage');
    if (val === undefined) return false;
    this.voltAct = this.packs * cStrtod(val);
    if (dEqual(this.chrgAct, -1) && this.voltLow > 0 && this.voltHigh > this.voltLow) {
      this.chrgAct = 100 * (this.voltAct - this.voltLow) / (this.voltHigh - this.voltLow);
      if (this.chrgAct < 0) this.chrgAct = 0;
      if (this.chrgAct > 100) this.chrgAct = 100;
      this.io.set('battery.charge', formatFixed(this.chrgAct, 0));
    }
    return true;
  }

  /** qx_load: effective load for the runtime estimate. */
  private fromLoad(): boolean {
    const val = this.io.get('ups.load');
    if (val === undefined) return false;
    this.loadAct = cStrtod(val);
    this.loadEff = (this.loadAct / 100) ** this.runtExp;
    if (this.loadEff < this.loadLow) this.loadEff = this.loadLow;
    return true;
  }

  /** A full walk starts: the UPS may have reported charge/runtime itself this time. */
  startFullUpdate(): void {
    this.runtAct = -1;
    this.chrgAct = -1;
  }

  /** The UPS itself reported battery.charge / battery.runtime. */
  reported(name: string, value: string): void {
    if (name.toLowerCase() === 'battery.charge') this.chrgAct = cStrtol(value);
    else if (name.toLowerCase() === 'battery.runtime') this.runtAct = cStrtol(value);
  }

  /** qx_initbattery. `nowS` is time() in seconds. Throws BatteryConfigError where NUT exits. */
  init(nowS: number): void {
    const { io } = this;
    if (io.get('battery.charge') !== undefined && io.get('battery.runtime') !== undefined) return;
    const num = (name: string): number | undefined => {
      const v = io.get(name);
      return v === undefined ? undefined : cStrtod(v);
    };
    this.voltHigh = num('battery.voltage.high') ?? this.voltHigh;
    this.voltLow = num('battery.voltage.low') ?? this.voltLow;
    this.voltNom = num('battery.voltage.nominal') ?? this.voltNom;

    if (!dEqual(this.voltNom, -1) && (dEqual(this.voltLow, -1) || dEqual(this.voltHigh, -1))) {
      io.info('No values for battery high/low voltages');
      this.voltLow = 104 * this.voltNom / 120;
      this.voltHigh = 130 * this.voltNom / 120;
      io.set('battery.voltage.low', formatFixed(this.voltLow, 2));
      io.set('battery.voltage.high', formatFixed(this.voltHigh, 2));
      io.info(`Using 'guesstimation' (low: ${this.voltLow.toFixed(6)}, high: ${this.voltHigh.toFixed(6)})!`);
    }

    const packs = io.get('battery.packs');
    if (packs !== undefined && strspn(packs, '0123456789 .') === packs.length) {
      this.packs = cStrtod(packs);
    } else if (this.fromVoltage() && !dEqual(this.voltNom, -1)) {
      // the voltage soon returns to at least nominal after discharge: for overlapping ranges
      // the highest multiplier wins
      for (const p of PACKS) {
        if (p * this.voltAct > 1.2 * this.voltNom) continue;
        if (p * this.voltAct < 0.8 * this.voltNom) {
          io.info(`Can't autodetect number of battery packs [${formatFixed(this.voltNom, 0)}/${formatFixed(this.voltAct, 2)}]`);
          break;
        }
        this.packs = p;
        break;
      }
    } else {
      io.info(`Can't autodetect number of battery packs [${formatFixed(this.voltNom, 0)}/${formatFixed(this.voltAct, 2)}]`);
    }

    this.fromVoltage();

    const cal = io.option('runtimecal');
    if (cal === undefined) {
      io.info('Battery runtime will not be calculated (runtimecal not set)');
      return;
    }
    this.lastPoll = nowS;
    const p = scanFourDoubles(cal);
    if (p.length < 4) throw new BatteryConfigError('Insufficient parameters for runtimecal');
    const [rh, lh, rl, ll] = p as [number, number, number, number];
    if (rl < rh || rh <= 0) throw new BatteryConfigError('Parameter out of range (runtime)');
    if (lh > 100 || ll > lh || ll <= 0) throw new BatteryConfigError('Parameter out of range (load)');
    this.runtExp = Math.log(rl / rh) / Math.log(lh / ll);
    this.runtNom = rh * (lh / 100) ** this.runtExp;

    let charge = io.get('battery.charge');
    if (charge === undefined && !dEqual(this.voltNom, -1)) {
      this.voltLow = this.voltNom;
      this.voltHigh = 1.15 * this.voltNom;
      if (!this.fromVoltage()) throw new BatteryConfigError('Initial battery charge undetermined');
      charge = io.get('battery.charge');
    }
    if (charge === undefined) throw new BatteryConfigError('Initial battery charge undetermined');
    this.runtEst = this.runtNom * cStrtod(charge) / 100;

    const chargetime = io.option('chargetime');
    if (chargetime !== undefined) {
      this.chrgTime = cStrtol(chargetime);
      if (this.chrgTime <= 0) throw new BatteryConfigError('Charge time out of range [1..s]');
    } else {
      io.info(`No charge time specified, using built in default [${this.chrgTime} seconds]`);
    }
    const idle = io.option('idleload');
    if (idle !== undefined) {
      this.loadLow = cStrtod(idle) / 100;
      if (this.loadLow <= 0 || this.loadLow > 1) throw new BatteryConfigError('Idle load out of range [0..100]');
    } else {
      io.info(`No idle load specified, using built in default [${(100 * this.loadLow).toFixed(1)} %]`);
    }
  }

  /** End of a full walk: estimate what the UPS did not report. `online` is the OL status bit. */
  endFullUpdate(online: boolean, nowS: number): void {
    if (!(dEqual(this.runtAct, -1) || dEqual(this.chrgAct, -1))) return;
    const { io } = this;
    if (io.option('runtimecal') === undefined) {
      this.fromVoltage();
      return;
    }
    const elapsed = nowS - this.lastPoll;
    if (online) {
      this.runtEst += this.runtNom * elapsed / this.chrgTime;
      if (this.runtEst > this.runtNom) this.runtEst = this.runtNom;
    } else {
      this.runtEst -= this.loadEff * elapsed;
      if (this.runtEst < 0) this.runtEst = 0;
    }
    const val = io.get('battery.voltage');
    if (val !== undefined) {
      this.voltAct = this.packs * cStrtod(val);
      if (this.voltAct > 0 && this.voltLow > 0 && this.voltHigh > this.voltLow) {
        let byVoltage = (this.voltAct - this.voltLow) / (this.voltHigh - this.voltLow);
        if (byVoltage < 0) byVoltage = 0;
        if (byVoltage > 1) byVoltage = 1;
        // an old battery: trust the voltage when it says less than the load-based estimate
        if (byVoltage < this.runtEst / this.runtNom) this.runtEst = byVoltage * this.runtNom;
      }
    }
    if (dEqual(this.chrgAct, -1)) io.set('battery.charge', formatFixed(100 * this.runtEst / this.runtNom, 0));
    if (dEqual(this.runtAct, -1) && this.fromLoad()) io.set('battery.runtime', formatFixed(this.runtEst / this.loadEff, 0));
    this.lastPoll = nowS;
  }
}
