// Eaton / MGE subdriver: NUT 2.8.0's mge-hid.c ("MGE HID 1.46") as data. MGE's vendor page
// 0xffff, model names and types (which decide whether battery voltages and the ECO settings are
// published), Advanced Battery Monitoring (ABM: the charger mode replaces CHRG/DISCHRG when it is
// enabled), the country and nominal-voltage rules, Unix-time ups.date/ups.time, and the
// computed ups.realpower for units without an ActivePower usage.
import { STANDARD_USAGES, type UsageTable } from '../../protocol/hid/index.js';
import { cFormat } from '../../protocol/q1/cformat.js';
import {
  ONLINE, LOWBATT, OVERLOAD, REPLACEBATT, TRIM, BOOST, VRANGE, FRANGE, OFF, BYPASS_AUTO, BYPASS_MANUAL, FANFAIL, NOBATTERY,
  CHARGERFAIL, BATTVOLTHI, BATTVOLTLO, COMMFAULT, OVERHEAT, SHUTDOWNIMM, YES_NO, ON_OFF, BEEPER, TEST_READ, STRING_ID,
  KELVIN_CELSIUS, long,
} from './lookups.js';
import { bit } from './status.js';
import { atoi } from '../../core/c-number.js';
import {
  v, f, absent, bool, alarm, cmd, pairs, usbSupport, testCmds, delayCmds, beeperCmds, ST_RW, ST_STRING, HU_STATIC, HU_SEMI_STATIC, HU_QUICK_POLL, HU_ENUM,
  DEFAULT_ONDELAY, DEFAULT_OFFDELAY, type HidInfo, type InfoLookup, type Subdriver, type SubdriverInstance,
} from './subdriver.js';

export const MGE_VENDORID = 0x0463;
export const DELL_VENDORID = 0x047c;
export const POWERWARE_VENDORID = 0x0592;
export const HP_VENDORID = 0x03f0;
export const AEG_VENDORID = 0x2b2d;
export const PHOENIXTEC_VENDORID = 0x06da;
export const IBM_VENDORID = 0x04b3;

const MGE_DEVICES = [
  [MGE_VENDORID, 0x0001], [MGE_VENDORID, 0xffff], [DELL_VENDORID, 0xffff], [POWERWARE_VENDORID, 0x0004],
  [HP_VENDORID, 0x1fe5], [HP_VENDORID, 0x1fe6], [HP_VENDORID, 0x1fe7], [HP_VENDORID, 0x1fe8],
  [AEG_VENDORID, 0xffff], [PHOENIXTEC_VENDORID, 0xffff], [IBM_VENDORID, 0x0001],
] as const;

/** NUT's models_type_t: offline models are below MGE_DEFAULT; the high byte is the family. */
export const MGE_DEFAULT_OFFLINE = 0;
export const MGE_PEGASUS = 0x100;
export const MGE_3S = 0x110;
export const MGE_DEFAULT = 0x200;
export const MGE_EVOLUTION = 0x300;
export const MGE_PULSAR_M = 0x400;
export const EATON_5P = 0x500;
const EVO = (n: number): number => MGE_EVOLUTION + n;
const PULSAR_M = (n: number): number => MGE_PULSAR_M + n;

/** NUT's country_code_t. */
const COUNTRY_UNKNOWN = -1;
const COUNTRY_EUROPE = 0;
/** advanced_battery_monitoring. */
const ABM_UNKNOWN = -1;
const ABM_DISABLED = 0;

/** [iProduct, iModel, type, name] (mge_model_names; a null name means "<iProduct> <iModel>"). */
export const MGE_MODEL_NAMES: ReadonlyArray<readonly [string, string, number, string | null]> = [
  ['ELLIPSE', '300', MGE_DEFAULT_OFFLINE, 'ellipse 300'], ['ELLIPSE', '500', MGE_DEFAULT_OFFLINE, 'ellipse 500'],
  ['ELLIPSE', '650', MGE_DEFAULT_OFFLINE, 'ellipse 650'], ['ELLIPSE', '800', MGE_DEFAULT_OFFLINE, 'ellipse 800'],
  ['ELLIPSE', '1200', MGE_DEFAULT_OFFLINE, 'ellipse 1200'],
  ['ellipse', 'PR500', MGE_DEFAULT_OFFLINE, 'ellipse premium 500'], ['ellipse', 'PR650', MGE_DEFAULT_OFFLINE, 'ellipse premium 650'],
  ['ellipse', 'PR800', MGE_DEFAULT_OFFLINE, 'ellipse premium 800'], ['ellipse', 'PR1200', MGE_DEFAULT_OFFLINE, 'ellipse premium 1200'],
  ['ELLIPSE', '600', MGE_DEFAULT_OFFLINE, 'Ellipse 600'], ['ELLIPSE', '750', MGE_DEFAULT_OFFLINE, 'Ellipse 750'],
  ['ELLIPSE', '1000', MGE_DEFAULT_OFFLINE, 'Ellipse 1000'], ['ELLIPSE', '1500', MGE_DEFAULT_OFFLINE, 'Ellipse 1500'],
  ['Ellipse MAX', '600', MGE_DEFAULT_OFFLINE, null], ['Ellipse MAX', '850', MGE_DEFAULT_OFFLINE, null],
  ['Ellipse MAX', '1100', MGE_DEFAULT_OFFLINE, null], ['Ellipse MAX', '1500', MGE_DEFAULT_OFFLINE, null],
  ['PROTECTIONCENTER', '420', MGE_DEFAULT_OFFLINE, 'Protection Center 420'], ['PROTECTIONCENTER', '500', MGE_DEFAULT_OFFLINE, 'Protection Center 500'],
  ['PROTECTIONCENTER', '675', MGE_DEFAULT_OFFLINE, 'Protection Center 675'],
  ['Protection Station', '500', MGE_PEGASUS, null], ['Protection Station', '650', MGE_PEGASUS, null], ['Protection Station', '800', MGE_PEGASUS, null],
  ['Ellipse ECO', '650', MGE_PEGASUS, null], ['Ellipse ECO', '800', MGE_PEGASUS, null], ['Ellipse ECO', '1200', MGE_PEGASUS, null],
  ['Ellipse ECO', '1600', MGE_PEGASUS, null],
  ['3S', '450', MGE_DEFAULT_OFFLINE, null], ['3S', '550', MGE_DEFAULT_OFFLINE, null], ['3S', '700', MGE_3S, null], ['3S', '750', MGE_3S, null],
  ['Evolution', '500', MGE_DEFAULT, 'Pulsar Evolution 500'], ['Evolution', '800', MGE_DEFAULT, 'Pulsar Evolution 800'],
  ['Evolution', '1100', MGE_DEFAULT, 'Pulsar Evolution 1100'], ['Evolution', '1500', MGE_DEFAULT, 'Pulsar Evolution 1500'],
  ['Evolution', '2200', MGE_DEFAULT, 'Pulsar Evolution 2200'], ['Evolution', '3000', MGE_DEFAULT, 'Pulsar Evolution 3000'],
  ['Evolution', '3000XL', MGE_DEFAULT, 'Pulsar Evolution 3000 XL'],
  ['Evolution', '650', EVO(1), null], ['Evolution', '850', EVO(2), null], ['Evolution', '1150', EVO(3), null], ['Evolution', 'S 1250', EVO(4), null],
  ['Evolution', '1550', EVO(5), null], ['Evolution', 'S 1750', EVO(6), null], ['Evolution', '2000', EVO(7), null], ['Evolution', 'S 2500', EVO(8), null],
  ['Evolution', 'S 3000', EVO(9), null],
  ['Eaton 5P', '650', EATON_5P, '5P 650'], ['Eaton 5P', '850', EATON_5P, '5P 850'], ['Eaton 5P', '1150', EATON_5P, '5P 1150'],
  ['Eaton 5P', '1550', EATON_5P, '5P 1550'],
  ['PULSAR M', '2200', PULSAR_M(1), null], ['PULSAR M', '3000', PULSAR_M(2), null], ['PULSAR M', '3000 XL', PULSAR_M(3), null],
  ['EX', '2200', PULSAR_M(1), null], ['EX', '3000', PULSAR_M(2), null], ['EX', '3000 XL', PULSAR_M(2), null],
  ['PULSAR', 'MX4000', MGE_DEFAULT, 'Pulsar MX 4000 RT'], ['PULSAR', 'MX5000', MGE_DEFAULT, 'Pulsar MX 5000 RT'],
  ['NOVA AVR', '500', MGE_DEFAULT, 'Nova 500 AVR'], ['NOVA AVR', '600', MGE_DEFAULT, 'Nova 600 AVR'], ['NOVA AVR', '625', MGE_DEFAULT, 'Nova 625 AVR'],
  ['NOVA AVR', '1100', MGE_DEFAULT, 'Nova 1100 AVR'], ['NOVA AVR', '1250', MGE_DEFAULT, 'Nova 1250 AVR'],
  ['EXtreme', '700C', MGE_DEFAULT, 'Pulsar EXtreme 700C'], ['EXtreme', '1000C', MGE_DEFAULT, 'Pulsar EXtreme 1000C'],
  ['EXtreme', '1500C', MGE_DEFAULT, 'Pulsar EXtreme 1500C'], ['EXtreme', '1500CCLA', MGE_DEFAULT, 'Pulsar EXtreme 1500C CLA'],
  ['EXtreme', '2200C', MGE_DEFAULT, 'Pulsar EXtreme 2200C'], ['EXtreme', '3200C', MGE_DEFAULT, 'Pulsar EXtreme 3200C'],
  ['EX', '700RT', MGE_DEFAULT, 'Pulsar EX 700 RT'], ['EX', '1000RT', MGE_DEFAULT, 'Pulsar EX 1000 RT'], ['EX', '1500RT', MGE_DEFAULT, 'Pulsar EX 1500 RT'],
  ['EX', '2200RT', MGE_DEFAULT, 'Pulsar EX 2200 RT'], ['EX', '3200RT', MGE_DEFAULT, 'Pulsar EX 3200 RT'],
  ['EX', '5RT31', MGE_DEFAULT, 'EX 5 RT 3:1'], ['EX', '7RT31', MGE_DEFAULT, 'EX 7 RT 3:1'], ['EX', '11RT31', MGE_DEFAULT, 'EX 11 RT 3:1'],
  ['EX', '5RT', MGE_DEFAULT, 'EX 5 RT'], ['EX', '7RT', MGE_DEFAULT, 'EX 7 RT'], ['EX', '11RT', MGE_DEFAULT, 'EX 11 RT'],
  ['GALAXY', '3000_10', MGE_DEFAULT, 'Galaxy 3000 10 kVA'], ['GALAXY', '3000_15', MGE_DEFAULT, 'Galaxy 3000 15 kVA'],
  ['GALAXY', '3000_20', MGE_DEFAULT, 'Galaxy 3000 20 kVA'], ['GALAXY', '3000_30', MGE_DEFAULT, 'Galaxy 3000 30 kVA'],
];

/** Eaton / MGE vendor usages, page 0xffff (mge_usage_lkp). */
export const MGE_USAGES: UsageTable = [
  ['Undefined', 0xffff0000], ['STS', 0xffff0001], ['Environment', 0xffff0002], ['Statistic', 0xffff0003],
  ['StatisticSystem', 0xffff0004], ['Phase', 0xffff0010], ['PhaseID', 0xffff0011], ['Chopper', 0xffff0012],
  ['ChopperID', 0xffff0013], ['Inverter', 0xffff0014], ['InverterID', 0xffff0015], ['Rectifier', 0xffff0016],
  ['RectifierID', 0xffff0017], ['LCMSystem', 0xffff0018], ['LCMSystemID', 0xffff0019], ['LCMAlarm', 0xffff001a],
  ['LCMAlarmID', 0xffff001b], ['HistorySystem', 0xffff001c], ['HistorySystemID', 0xffff001d], ['Event', 0xffff001e],
  ['EventID', 0xffff001f], ['CircuitBreaker', 0xffff0020], ['TransferForbidden', 0xffff0021], ['OverallAlarm', 0xffff0022],
  ['Dephasing', 0xffff0023], ['BypassBreaker', 0xffff0024], ['PowerModule', 0xffff0025], ['PowerRate', 0xffff0026],
  ['PowerSource', 0xffff0027], ['CurrentPowerSource', 0xffff0028], ['RedundancyLevel', 0xffff0029],
  ['RedundancyLost', 0xffff002a], ['NotificationStatus', 0xffff002b], ['ProtectionLost', 0xffff002c],
  ['ConfigurationFailure', 0xffff002d], ['CompatibilityFailure', 0xffff002e], ['SwitchType', 0xffff0040],
  ['ConverterType', 0xffff0041], ['FrequencyConverterMode', 0xffff0042], ['AutomaticRestart', 0xffff0043],
  ['ForcedReboot', 0xffff0044], ['TestPeriod', 0xffff0045], ['EnergySaving', 0xffff0046], ['StartOnBattery', 0xffff0047],
  ['Schedule', 0xffff0048], ['DeepDischargeProtection', 0xffff0049], ['ShortCircuit', 0xffff004a],
  ['ExtendedVoltageMode', 0xffff004b], ['SensitivityMode', 0xffff004c], ['RemainingCapacityLimitSetting', 0xffff004d],
  ['ExtendedFrequencyMode', 0xffff004e], ['FrequencyConverterModeSetting', 0xffff004f], ['LowVoltageBoostTransfer', 0xffff0050],
  ['HighVoltageBoostTransfer', 0xffff0051], ['LowVoltageBuckTransfer', 0xffff0052], ['HighVoltageBuckTransfer', 0xffff0053],
  ['OverloadTransferEnable', 0xffff0054], ['OutOfToleranceTransferEnable', 0xffff0055], ['ForcedTransferEnable', 0xffff0056],
  ['LowVoltageBypassTransfer', 0xffff0057], ['HighVoltageBypassTransfer', 0xffff0058],
  ['FrequencyRangeBypassTransfer', 0xffff0059], ['LowVoltageEcoTransfer', 0xffff005a], ['HighVoltageEcoTransfer', 0xffff005b],
  ['FrequencyRangeEcoTransfer', 0xffff005c], ['ShutdownTimer', 0xffff005d], ['StartupTimer', 0xffff005e],
  ['RestartLevel', 0xffff005f], ['PhaseOutOfRange', 0xffff0060], ['CurrentLimitation', 0xffff0061],
  ['ThermalOverload', 0xffff0062], ['SynchroSource', 0xffff0063], ['FuseFault', 0xffff0064],
  ['ExternalProtectedTransfert', 0xffff0065], ['ExternalForcedTransfert', 0xffff0066], ['Compensation', 0xffff0067],
  ['EmergencyStop', 0xffff0068], ['PowerFactor', 0xffff0069], ['PeakFactor', 0xffff006a], ['ChargerType', 0xffff006b],
  ['HighPositiveDCBusVoltage', 0xffff006c], ['LowPositiveDCBusVoltage', 0xffff006d], ['HighNegativeDCBusVoltage', 0xffff006e],
  ['LowNegativeDCBusVoltage', 0xffff006f], ['FrequencyRangeTransfer', 0xffff0070], ['WiringFaultDetection', 0xffff0071],
  ['ControlStandby', 0xffff0072], ['ShortCircuitTolerance', 0xffff0073], ['VoltageTooHigh', 0xffff0074],
  ['VoltageTooLow', 0xffff0075], ['DCBusUnbalanced', 0xffff0076], ['FanFailure', 0xffff0077], ['WiringFault', 0xffff0078],
  ['Floating', 0xffff0079], ['OverCurrent', 0xffff007a], ['RemainingActivePower', 0xffff007b], ['Energy', 0xffff007c],
  ['Threshold', 0xffff007d], ['OverThreshold', 0xffff007e], ['Sensor', 0xffff0080], ['LowHumidity', 0xffff0081],
  ['HighHumidity', 0xffff0082], ['LowTemperature', 0xffff0083], ['HighTemperature', 0xffff0084], ['ECOControl', 0xffff0085],
  ['Efficiency', 0xffff0086], ['ABMEnable', 0xffff0087], ['NegativeCurrent', 0xffff0088], ['AutomaticStart', 0xffff0089],
  ['Count', 0xffff0090], ['Timer', 0xffff0091], ['Interval', 0xffff0092], ['TimerExpired', 0xffff0093], ['Mode', 0xffff0094],
  ['Country', 0xffff0095], ['State', 0xffff0096], ['Time', 0xffff0097], ['Code', 0xffff0098], ['DataValid', 0xffff0099],
  ['ToggleTimer', 0xffff009a], ['BypassTransferDelay', 0xffff009b], ['HysteresysVoltageTransfer', 0xffff009c],
  ['SlewRate', 0xffff009d], ['PDU', 0xffff00a0], ['Breaker', 0xffff00a1], ['BreakerID', 0xffff00a2], ['OverVoltage', 0xffff00a3],
  ['Tripped', 0xffff00a4], ['OverEnergy', 0xffff00a5], ['OverHumidity', 0xffff00a6], ['ConfigurationReset', 0xffff00a7],
  ['Level', 0xffff00a8], ['PDUType', 0xffff00a9], ['ReactivePower', 0xffff00aa], ['Pole', 0xffff00ab], ['PoleID', 0xffff00ac],
  ['Reset', 0xffff00ad], ['WatchdogReset', 0xffff00ae], ['COPIBridge', 0xffff00e0], ['iModel', 0xffff00f0],
  ['iVersion', 0xffff00f1], ['iTechnicalLevel', 0xffff00f2], ['iPartNumber', 0xffff00f3], ['iReferenceNumber', 0xffff00f4],
  ['iGang', 0xffff00f5],
];

const RWS = ST_RW | ST_STRING;

/** Alarm texts raised by a 1 (mge_emergency_stop…). */
const alarmText = (text: string): InfoLookup => pairs([1, text]);
const MGE_SENSITIVITY = pairs([0, 'normal'], [1, 'high'], [2, 'low']);
const ENABLE_DISABLE = pairs([0, 'disabled'], [1, 'enabled']);
const UPS_TYPE = pairs([1, 'offline / line interactive'], [2, 'online'], [3, 'online - unitary/parallel'], [4, 'online - parallel with hot standy'], [5, 'online - hot standby redundancy']);
const ONBATT = pairs([1, '!online'], [0, 'online']);
const EMERGENCY_STOP = alarmText('Emergency stop!');
const WIRING_FAULT = alarmText('Wiring fault!');
const CONFIG_FAILURE = alarmText('Fatal EEPROM fault!');
const INVERTER_VOLTHI = alarmText('Inverter AC voltage too high!');
const INVERTER_VOLTLO = alarmText('Inverter AC voltage too low!');
const SHORT_CIRCUIT = alarmText('Output short circuit!');
const POWERFACTOR: InfoLookup = { entries: [], fun: (value) => cFormat('%.2f', value / 100) };
const BATTERY_CAPACITY: InfoLookup = { entries: [], fun: (value) => cFormat('%.2f', value / 3600) };

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** C's round(): halves away from zero. */
const cRound = (x: number): number => (x < 0 ? -Math.round(-x) : Math.round(x));

/** Per-device state the conversions share (NUT keeps it in file-scope statics). */
interface MgeState {
  type: number;
  country: number;
  abm: number;
  nominal: number;
}

/** "YYYY/MM/DD HH:MM:SS" in local time → Unix seconds (strptime + mktime); 0 when unparsable. */
function localToUnix(text: string): number {
  const m = /^\s*(\d{1,4})\/(\d{1,2})\/(\d{1,2})\s+(\d{1,2}):(\d{1,2}):(\d{1,2})/.exec(text);
  if (!m) return 0;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return Math.floor(new Date(y, mo - 1, d, h, mi, s).getTime() / 1000);
}

function mgeLookups(st: MgeState) {
  const family = (): number => st.type & 0xff00;
  const pegasusLike = (): boolean => family() === MGE_PEGASUS || (family() === MGE_3S && st.country !== COUNTRY_EUROPE);
  const pegasusCheck = (value: number): string | null => (pegasusLike() ? cFormat('%.0f', value) : null);
  const date = (value: number): Date => new Date(long(value) * 1000);
  return {
    COUNTRY: { entries: [[0, 'dummy']], fun: (value: number) => { st.country = long(value); return null; } } as InfoLookup,
    ABM_ENABLED: { entries: [[0, 'dummy']], fun: (value: number, ctx) => { st.abm = long(value); ctx.debug(2, `ABM is ${st.abm === 1 ? 'enabled' : 'disabled'}`); return null; } } as InfoLookup,
    ABM_STATUS: {
      entries: [[1, 'dummy']],
      fun: (value: number, ctx) => {
        if (st.abm === ABM_DISABLED) { ctx.delInfo('battery.charger.status'); return null; }
        switch (long(value)) {
          case 1: return 'charging';
          case 2: return 'discharging';
          case 3: return 'floating';
          case 4: return 'resting';
          case 6: return 'off';
          default: return null;
        }
      },
    } as InfoLookup,
    ABM_CHRG_DISCHRG: {
      entries: [[1, 'dummy']],
      fun: (value: number) => {
        if (st.abm === ABM_DISABLED) return null;
        const x = long(value);
        return x === 1 || x === 3 ? 'chrg' : x === 2 ? 'dischrg' : null;
      },
    } as InfoLookup,
    // with ABM enabled the PresentStatus bits only clear what an ABM-less period may have set
    ABM_DISCHARGING: { entries: [[1, 'dummy']], fun: (value: number) => (st.abm === ABM_DISABLED && value === 1 ? 'dischrg' : '!dischrg') } as InfoLookup,
    ABM_CHARGING: { entries: [[1, 'dummy']], fun: (value: number) => (st.abm === ABM_DISABLED && value === 1 ? 'chrg' : '!chrg') } as InfoLookup,
    DATE: {
      entries: [],
      fun: (value: number) => { const t = date(value); return Number.isNaN(t.getTime()) || t.getFullYear() > 9999 || t.getFullYear() < 1000 ? null : `${t.getFullYear()}/${pad2(t.getMonth() + 1)}/${pad2(t.getDate())}`; },
      nuf: (text: string, ctx) => localToUnix(`${text} ${ctx.getInfo('ups.time') ?? ''}`),
    } as InfoLookup,
    TIME: {
      entries: [],
      fun: (value: number) => { const t = date(value); return Number.isNaN(t.getTime()) ? null : `${pad2(t.getHours())}:${pad2(t.getMinutes())}:${pad2(t.getSeconds())}`; },
      nuf: (text: string, ctx) => localToUnix(`${ctx.getInfo('ups.date') ?? ''} ${text}`),
    } as InfoLookup,
    BATTERY_VOLTAGE_NOMINAL: {
      entries: [],
      fun: (value: number) => {
        const fam = family();
        if (fam === MGE_EVOLUTION) { if (st.type === EVO(1)) value = 12; } else if (fam !== MGE_PULSAR_M && fam !== EATON_5P) return null;
        return cFormat('%.0f', value);
      },
    } as InfoLookup,
    BATTERY_VOLTAGE: {
      entries: [],
      fun: (value: number) => (family() === MGE_EVOLUTION || family() === MGE_PULSAR_M || family() === EATON_5P ? cFormat('%.1f', value) : null),
    } as InfoLookup,
    PEGASUS_THRESHOLD: { entries: [[10, '10'], [25, '25'], [60, '60']], fun: pegasusCheck } as InfoLookup,
    PEGASUS_YES_NO: {
      entries: [[0, 'no'], [1, 'yes']],
      fun: (value: number) => (pegasusLike() ? (value === 0 ? 'no' : 'yes') : null),
      nuf: (text: string) => (pegasusLike() && text.startsWith('yes') ? 1 : 0),
    } as InfoLookup,
    COMPUTE_REALPOWER: {
      entries: [[0, 'dummy']],
      fun: (_value: number, ctx) => {
        const load = ctx.getInfo('ups.load');
        const nominal = ctx.getInfo('ups.power.nominal');
        if (load === undefined || nominal === undefined) return null;
        const pfText = ctx.getInfo('output.powerfactor');
        // NUT reads the power factor with atoi(): "0.90" is 0, so the estimate is 0 W then
        const pf = pfText !== undefined ? atoi(pfText) : Math.fround(0.8);
        return cFormat('%.0f', cRound(atoi(load) * 0.01 * atoi(nominal) * pf));
      },
    } as InfoLookup,
    NOMINAL_OUTPUT_VOLTAGE: {
      entries: [[200, '200'], [208, '208'], [220, '220'], [230, '230'], [240, '240'], [100, '100'], [110, '110'], [120, '120'], [127, '127']],
      fun: (value: number, ctx) => {
        if (st.nominal < 0) st.nominal = long(value);
        const x = long(value);
        const lv = [100, 110, 120, 127];
        const hv208 = [200, 208];
        const hv230 = [220, 230, 240];
        if (lv.includes(st.nominal)) {
          if (!lv.includes(x)) return null;
        } else if (hv208.includes(st.nominal)) {
          if (hv230.includes(x)) { if (family() < MGE_DEFAULT) return null; } else if (!hv208.includes(x)) return null;
        } else if (hv230.includes(st.nominal)) {
          if (hv208.includes(x)) { if (family() < MGE_DEFAULT) return null; } else if (!hv230.includes(x)) return null;
        } else {
          ctx.debug(3, `nominal_output_voltage_fun: can't autodetect settable voltages from ${value}`);
        }
        return cFormat('%.0f', value);
      },
    } as InfoLookup,
    CONVERTER_ONLINE: {
      entries: [[0, 'dummy']],
      fun: (value: number, ctx) => ((ctx.statusBits() & bit('off')) !== 0 ? null : value === 0 ? '!online' : 'online'),
    } as InfoLookup,
  };
}

/** NUT's per-phase voltages: L1-N, L2-N, L3-N ([1]-[3]) and L1-L2, L2-L3, L3-L1 ([12], [23], [31]). */
const phaseVoltages = (nut: string, hid: string): HidInfo[] => ([['L1-N', 1], ['L2-N', 2], ['L3-N', 3], ['L1-L2', 12], ['L2-L3', 23], ['L3-L1', 31]] as const)
  .map(([name, n]) => v(`${nut}.${name}.voltage`, `${hid}.Phase.[${n}].Voltage`, '%.1f'));
/** NUT's per-phase currents L1..L3. */
const phaseCurrents = (nut: string, hid: string): HidInfo[] => [1, 2, 3].map((n) => v(`${nut}.L${n}.current`, `${hid}.Phase.[${n}].Current`, '%.1f'));

/** A PowerShare outlet's settings and measures (outlet.N is HID Outlet.[N+1]). */
const powerShareOutlet = (n: number): HidInfo[] => {
  const o = `UPS.OutletSystem.Outlet.[${n + 1}]`;
  return [
    f(`outlet.${n}.autoswitch.charge.low`, RWS, 3, `${o}.RemainingCapacityLimit`, '%.0f', HU_SEMI_STATIC),
    f(`outlet.${n}.delay.shutdown`, RWS, 5, `${o}.ShutdownTimer`, '%.0f', HU_SEMI_STATIC),
    f(`outlet.${n}.delay.start`, RWS, 5, `${o}.StartupTimer`, '%.0f', HU_SEMI_STATIC),
    v(`outlet.${n}.power`, `${o}.ApparentPower`, '%.0f'),
    v(`outlet.${n}.realpower`, `${o}.ActivePower`, '%.0f'),
    v(`outlet.${n}.current`, `${o}.Current`, '%.2f'),
    v(`outlet.${n}.powerfactor`, `${o}.PowerFactor`, '%.2f'),
  ];
};

function mgeTable(st: MgeState): HidInfo[] {
  const {
    COUNTRY, ABM_ENABLED, ABM_STATUS, ABM_CHRG_DISCHRG, ABM_DISCHARGING, ABM_CHARGING, DATE, TIME, BATTERY_VOLTAGE_NOMINAL,
    BATTERY_VOLTAGE, PEGASUS_THRESHOLD, PEGASUS_YES_NO, COMPUTE_REALPOWER, NOMINAL_OUTPUT_VOLTAGE, CONVERTER_ONLINE,
  } = mgeLookups(st);
  return [
    f('device.country', ST_STRING, 20, 'UPS.PowerSummary.Country', 'Europe', HU_STATIC, COUNTRY),
    v('battery.charge', 'UPS.PowerSummary.RemainingCapacity', '%.0f'),
    f('battery.charge.low', RWS, 5, 'UPS.PowerSummary.RemainingCapacityLimitSetting', '%.0f', HU_SEMI_STATIC),
    v('battery.charge.low', 'UPS.PowerSummary.RemainingCapacityLimit', '%.0f', HU_STATIC),
    f('battery.charge.restart', RWS, 3, 'UPS.PowerSummary.RestartLevel', '%.0f', HU_SEMI_STATIC),
    v('battery.capacity', 'UPS.BatterySystem.Battery.DesignCapacity', '%s', HU_STATIC, BATTERY_CAPACITY),
    v('battery.runtime', 'UPS.PowerSummary.RunTimeToEmpty', '%.0f'),
    f('battery.runtime.low', RWS, 10, 'UPS.PowerSummary.RemainingTimeLimit', '%.0f', 0),
    v('battery.runtime.elapsed', 'UPS.StatisticSystem.Input.[1].Statistic.[1].Time', '%.0f', HU_QUICK_POLL),
    f('battery.runtime.low', RWS, 10, 'UPS.PowerSummary.RemainingTimeLimit', '%.0f', 0),
    v('battery.temperature', 'UPS.BatterySystem.Battery.Temperature', '%s', 0, KELVIN_CELSIUS),
    v('battery.type', 'UPS.PowerSummary.iDeviceChemistry', '%s', HU_STATIC, STRING_ID),
    v('battery.voltage', 'UPS.BatterySystem.Voltage', '%.1f'),
    v('battery.voltage', 'UPS.PowerSummary.Voltage', '%s', 0, BATTERY_VOLTAGE),
    v('battery.voltage.nominal', 'UPS.BatterySystem.ConfigVoltage', '%.0f', HU_STATIC),
    v('battery.voltage.nominal', 'UPS.PowerSummary.ConfigVoltage', '%s', HU_STATIC, BATTERY_VOLTAGE_NOMINAL),
    f('battery.protection', RWS, 5, 'UPS.BatterySystem.Battery.DeepDischargeProtection', '%s', HU_SEMI_STATIC, YES_NO),
    f('battery.energysave', RWS, 5, 'UPS.PowerConverter.Input.[3].EnergySaving', '%s', HU_SEMI_STATIC, YES_NO),
    f('battery.energysave.load', RWS, 5, 'UPS.PowerConverter.Input.[3].ConfigPercentLoad', '%.0f', HU_SEMI_STATIC),
    f('battery.energysave.delay', RWS, 5, 'UPS.PowerConverter.Input.[3].EnergySaving.ShutdownTimer', '%.0f', HU_SEMI_STATIC),
    f('battery.energysave.delay', RWS, 5, 'UPS.PowerConverter.Input.[3].ShutdownTimer', '%.0f', HU_SEMI_STATIC),
    f('battery.energysave.realpower', RWS, 5, 'UPS.PowerConverter.Input.[3].ConfigActivePower', '%.0f', HU_SEMI_STATIC),
    v('battery.charger.status', 'UPS.BatterySystem.Charger.ABMEnable', '%.0f', HU_QUICK_POLL, ABM_ENABLED),
    v('battery.charger.status', 'UPS.BatterySystem.Charger.Mode', '%.0f', HU_QUICK_POLL, ABM_STATUS),
    v('ups.efficiency', 'UPS.PowerConverter.Output.Efficiency', '%.0f'),
    v('ups.firmware', 'UPS.PowerSummary.iVersion', '%s', HU_STATIC, STRING_ID),
    v('ups.load', 'UPS.PowerSummary.PercentLoad', '%.0f'),
    f('ups.load.high', RWS, 5, 'UPS.Flow.[4].ConfigPercentLoad', '%.0f', HU_SEMI_STATIC),
    absent('ups.delay.start', 10, 'UPS.PowerSummary.DelayBeforeStartup', DEFAULT_ONDELAY),
    absent('ups.delay.shutdown', 10, 'UPS.PowerSummary.DelayBeforeShutdown', DEFAULT_OFFDELAY),
    v('ups.timer.start', 'UPS.PowerSummary.DelayBeforeStartup', '%.0f', HU_QUICK_POLL),
    v('ups.timer.shutdown', 'UPS.PowerSummary.DelayBeforeShutdown', '%.0f', HU_QUICK_POLL),
    v('ups.timer.reboot', 'UPS.PowerSummary.DelayBeforeReboot', '%.0f', HU_QUICK_POLL),
    v('ups.test.result', 'UPS.BatterySystem.Battery.Test', '%s', 0, TEST_READ),
    f('ups.test.interval', RWS, 8, 'UPS.BatterySystem.Battery.TestPeriod', '%.0f', HU_SEMI_STATIC),
    v('ups.beeper.status', 'UPS.BatterySystem.Battery.AudibleAlarmControl', '%s', HU_SEMI_STATIC, BEEPER),
    v('ups.beeper.status', 'UPS.PowerSummary.AudibleAlarmControl', '%s', HU_SEMI_STATIC, BEEPER),
    v('ups.temperature', 'UPS.PowerSummary.Temperature', '%s', 0, KELVIN_CELSIUS),
    v('ups.power', 'UPS.PowerConverter.Output.ApparentPower', '%.0f'),
    ...[1, 2, 3].map((i) => v(`ups.L${i}.power`, `UPS.PowerConverter.Output.Phase.[${i}].ApparentPower`, '%.0f')),
    v('ups.power.nominal', 'UPS.Flow.[4].ConfigApparentPower', '%.0f', HU_STATIC),
    v('ups.realpower', 'UPS.PowerConverter.Output.ActivePower', '%.0f'),
    v('ups.realpower', 'UPS.Flow.[4].ConfigApparentPower', '-1', 0, COMPUTE_REALPOWER),
    ...[1, 2, 3].map((i) => v(`ups.L${i}.realpower`, `UPS.PowerConverter.Output.Phase.[${i}].ActivePower`, '%.0f')),
    v('ups.realpower.nominal', 'UPS.Flow.[4].ConfigActivePower', '%.0f', HU_STATIC),
    f('ups.start.auto', RWS, 5, 'UPS.PowerConverter.Input.[1].AutomaticRestart', '%s', HU_SEMI_STATIC, YES_NO),
    f('ups.start.battery', RWS, 5, 'UPS.PowerConverter.Input.[3].StartOnBattery', '%s', HU_SEMI_STATIC, YES_NO),
    f('ups.start.reboot', RWS, 5, 'UPS.PowerConverter.Output.ForcedReboot', '%s', HU_SEMI_STATIC, YES_NO),
    f('ups.shutdown', RWS, 10, 'UPS.PowerSummary.PresentStatus.Switchable', '%s', HU_SEMI_STATIC | HU_ENUM, ENABLE_DISABLE),
    f('ups.date', RWS, 10, 'UPS.PowerSummary.Time', '%s', 0, DATE),
    f('ups.time', RWS, 10, 'UPS.PowerSummary.Time', '%s', 0, TIME),
    v('ups.type', 'UPS.PowerConverter.ConverterType', '%s', HU_STATIC, UPS_TYPE),
    bool('UPS.PowerSummary.PresentStatus.ACPresent', ONLINE, HU_QUICK_POLL),
    bool('UPS.PowerConverter.Input.[3].PresentStatus.Used', ONBATT),
    bool('UPS.PowerSummary.PresentStatus.Discharging', ABM_DISCHARGING, HU_QUICK_POLL),
    bool('UPS.PowerSummary.PresentStatus.Charging', ABM_CHARGING, HU_QUICK_POLL),
    { ...bool('UPS.BatterySystem.Charger.Mode', ABM_CHRG_DISCHRG, HU_QUICK_POLL), dfl: '%.0f' },
    bool('UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit', LOWBATT, HU_QUICK_POLL),
    bool('UPS.PowerConverter.Output.Overload.[1].PresentStatus.OverThreshold', OVERLOAD),
    bool('UPS.PowerConverter.Output.Overload.[2].PresentStatus.OverThreshold', OVERLOAD),
    bool('UPS.PowerSummary.PresentStatus.Overload', OVERLOAD),
    bool('UPS.PowerSummary.PresentStatus.NeedReplacement', REPLACEBATT),
    bool('UPS.LCMSystem.LCMAlarm.[2].PresentStatus.TimerExpired', REPLACEBATT),
    bool('UPS.PowerConverter.Input.[1].PresentStatus.Buck', TRIM),
    bool('UPS.PowerConverter.Input.[1].PresentStatus.Boost', BOOST),
    bool('UPS.PowerConverter.Input.[1].PresentStatus.VoltageOutOfRange', VRANGE),
    bool('UPS.PowerConverter.Input.[1].PresentStatus.FrequencyOutOfRange', FRANGE),
    bool('UPS.PowerSummary.PresentStatus.Good', OFF),
    bool('UPS.PowerConverter.Input.[1].PresentStatus.Used', CONVERTER_ONLINE),
    bool('UPS.PowerConverter.Input.[2].PresentStatus.Used', BYPASS_AUTO),
    bool('UPS.PowerConverter.Input.[4].PresentStatus.Used', BYPASS_MANUAL),
    bool('UPS.PowerSummary.PresentStatus.FanFailure', FANFAIL),
    bool('UPS.BatterySystem.Battery.PresentStatus.Present', NOBATTERY),
    bool('UPS.BatterySystem.Charger.PresentStatus.InternalFailure', CHARGERFAIL),
    bool('UPS.BatterySystem.Charger.PresentStatus.VoltageTooHigh', BATTVOLTHI),
    bool('UPS.PowerConverter.Input.[1].PresentStatus.VoltageTooHigh', BATTVOLTHI),
    bool('UPS.BatterySystem.Battery.PresentStatus.VoltageTooHigh', BATTVOLTHI),
    bool('UPS.BatterySystem.Charger.PresentStatus.VoltageTooLow', BATTVOLTLO),
    bool('UPS.PowerConverter.Input.[1].PresentStatus.VoltageTooLow', ONBATT),
    bool('UPS.PowerSummary.PresentStatus.InternalFailure', COMMFAULT),
    bool('UPS.PowerSummary.PresentStatus.OverTemperature', OVERHEAT),
    bool('UPS.PowerSummary.PresentStatus.ShutdownImminent', SHUTDOWNIMM),
    alarm('UPS.PowerSummary.PresentStatus.EmergencyStop', EMERGENCY_STOP),
    alarm('UPS.PowerConverter.Input.[1].PresentStatus.WiringFault', WIRING_FAULT),
    alarm('UPS.PowerSummary.PresentStatus.ConfigurationFailure', CONFIG_FAILURE),
    alarm('UPS.PowerConverter.Inverter.PresentStatus.VoltageTooHigh', INVERTER_VOLTHI),
    alarm('UPS.PowerConverter.Inverter.PresentStatus.VoltageTooLow', INVERTER_VOLTLO),
    alarm('UPS.PowerConverter.Output.PresentStatus.ShortCircuit', SHORT_CIRCUIT),
    v('input.voltage', 'UPS.PowerConverter.Input.[1].Voltage', '%.1f'),
    ...phaseVoltages('input', 'UPS.PowerConverter.Input.[1]'),
    v('input.voltage.nominal', 'UPS.Flow.[1].ConfigVoltage', '%.0f', HU_STATIC),
    v('input.current', 'UPS.PowerConverter.Input.[1].Current', '%.2f'),
    ...phaseCurrents('input', 'UPS.PowerConverter.Input.[1]'),
    v('input.current.nominal', 'UPS.Flow.[1].ConfigCurrent', '%.2f', HU_STATIC),
    v('input.frequency', 'UPS.PowerConverter.Input.[1].Frequency', '%.1f'),
    v('input.frequency.nominal', 'UPS.Flow.[1].ConfigFrequency', '%.0f', HU_STATIC),
    f('input.transfer.low', RWS, 5, 'UPS.PowerConverter.Output.LowVoltageTransfer', '%.0f', HU_SEMI_STATIC),
    f('input.transfer.boost.low', RWS, 5, 'UPS.PowerConverter.Output.LowVoltageBoostTransfer', '%.0f', HU_SEMI_STATIC),
    f('input.transfer.boost.high', RWS, 5, 'UPS.PowerConverter.Output.HighVoltageBoostTransfer', '%.0f', HU_SEMI_STATIC),
    f('input.transfer.trim.low', RWS, 5, 'UPS.PowerConverter.Output.LowVoltageBuckTransfer', '%.0f', HU_SEMI_STATIC),
    f('input.transfer.high', RWS, 5, 'UPS.PowerConverter.Output.HighVoltageTransfer', '%.0f', HU_SEMI_STATIC),
    f('input.transfer.trim.high', RWS, 5, 'UPS.PowerConverter.Output.HighVoltageBuckTransfer', '%.0f', HU_SEMI_STATIC),
    f('input.sensitivity', RWS, 10, 'UPS.PowerConverter.Output.SensitivityMode', '%s', HU_SEMI_STATIC, MGE_SENSITIVITY),
    f('input.voltage.extended', RWS, 5, 'UPS.PowerConverter.Output.ExtendedVoltageMode', '%s', HU_SEMI_STATIC, YES_NO),
    f('input.frequency.extended', RWS, 5, 'UPS.PowerConverter.Output.ExtendedFrequencyMode', '%s', HU_SEMI_STATIC, YES_NO),
    v('input.bypass.voltage', 'UPS.PowerConverter.Input.[2].Voltage', '%.1f'),
    ...phaseVoltages('input.bypass', 'UPS.PowerConverter.Input.[2]'),
    v('input.bypass.voltage.nominal', 'UPS.Flow.[2].ConfigVoltage', '%.0f', HU_STATIC),
    v('input.bypass.current', 'UPS.PowerConverter.Input.[2].Current', '%.2f'),
    ...phaseCurrents('input.bypass', 'UPS.PowerConverter.Input.[2]'),
    v('input.bypass.current.nominal', 'UPS.Flow.[2].ConfigCurrent', '%.2f', HU_STATIC),
    v('input.bypass.frequency', 'UPS.PowerConverter.Input.[2].Frequency', '%.1f'),
    v('input.bypass.frequency.nominal', 'UPS.Flow.[2].ConfigFrequency', '%.0f', HU_STATIC),
    v('output.voltage', 'UPS.PowerConverter.Output.Voltage', '%.1f'),
    ...phaseVoltages('output', 'UPS.PowerConverter.Output'),
    f('output.voltage.nominal', RWS, 3, 'UPS.Flow.[4].ConfigVoltage', '%.0f', HU_SEMI_STATIC | HU_ENUM, NOMINAL_OUTPUT_VOLTAGE),
    v('output.current', 'UPS.PowerConverter.Output.Current', '%.2f'),
    ...phaseCurrents('output', 'UPS.PowerConverter.Output'),
    v('output.current.nominal', 'UPS.Flow.[4].ConfigCurrent', '%.2f'),
    v('output.frequency', 'UPS.PowerConverter.Output.Frequency', '%.1f'),
    v('output.frequency.nominal', 'UPS.Flow.[4].ConfigFrequency', '%.0f', HU_STATIC),
    v('output.powerfactor', 'UPS.PowerConverter.Output.PowerFactor', '%s', 0, POWERFACTOR),
    v('outlet.id', 'UPS.OutletSystem.Outlet.[1].OutletID', '%.0f', HU_STATIC),
    absent('outlet.desc', 20, 'UPS.OutletSystem.Outlet.[1].OutletID', 'Main Outlet'),
    v('outlet.switchable', 'UPS.OutletSystem.Outlet.[1].PresentStatus.Switchable', '%s', HU_STATIC, YES_NO),
    f('outlet.power', RWS, 6, 'UPS.OutletSystem.Outlet.[1].ConfigApparentPower', '%s', HU_SEMI_STATIC | HU_ENUM, PEGASUS_THRESHOLD),
    v('outlet.power', 'UPS.OutletSystem.Outlet.[1].ApparentPower', '%.0f'),
    v('outlet.realpower', 'UPS.OutletSystem.Outlet.[1].ActivePower', '%.0f'),
    v('outlet.current', 'UPS.OutletSystem.Outlet.[1].Current', '%.2f'),
    v('outlet.powerfactor', 'UPS.OutletSystem.Outlet.[1].PowerFactor', '%.2f'),
    v('outlet.1.id', 'UPS.OutletSystem.Outlet.[2].OutletID', '%.0f', HU_STATIC),
    absent('outlet.1.desc', 20, 'UPS.OutletSystem.Outlet.[2].OutletID', 'PowerShare Outlet 1'),
    v('outlet.1.switchable', 'UPS.OutletSystem.Outlet.[2].PresentStatus.Switchable', '%s', HU_STATIC, YES_NO),
    v('outlet.1.status', 'UPS.OutletSystem.Outlet.[2].PresentStatus.SwitchOn/Off', '%s', 0, ON_OFF),
    v('outlet.1.status', 'UPS.PowerSummary.PresentStatus.ACPresent', '%s', 0, ON_OFF),
    ...powerShareOutlet(1),
    v('outlet.2.id', 'UPS.OutletSystem.Outlet.[3].OutletID', '%.0f', HU_STATIC),
    absent('outlet.2.desc', 20, 'UPS.OutletSystem.Outlet.[3].OutletID', 'PowerShare Outlet 2'),
    f('outlet.2.switchable', RWS, 3, 'UPS.OutletSystem.Outlet.[3].PresentStatus.Switchable', '%s', HU_SEMI_STATIC, PEGASUS_YES_NO),
    v('outlet.2.switchable', 'UPS.OutletSystem.Outlet.[3].PresentStatus.Switchable', '%s', 0, YES_NO),
    v('outlet.2.status', 'UPS.OutletSystem.Outlet.[3].PresentStatus.SwitchOn/Off', '%s', 0, ON_OFF),
    ...powerShareOutlet(2),
    ...testCmds('UPS.BatterySystem.Battery.Test'),
    ...delayCmds('UPS.PowerSummary.DelayBeforeShutdown', 'UPS.PowerSummary.DelayBeforeStartup', 'UPS.PowerSummary.DelayBeforeReboot'),
    cmd('beeper.off', 'UPS.PowerSummary.AudibleAlarmControl', '1'),
    cmd('beeper.on', 'UPS.PowerSummary.AudibleAlarmControl', '2'),
    // some units (3S) use the battery's control: the first path the unit has wins
    ...beeperCmds('UPS.BatterySystem.Battery.AudibleAlarmControl'),
    ...beeperCmds('UPS.PowerSummary.AudibleAlarmControl'),
    cmd('outlet.1.load.off', 'UPS.OutletSystem.Outlet.[2].DelayBeforeShutdown', '0'),
    cmd('outlet.1.load.on', 'UPS.OutletSystem.Outlet.[2].DelayBeforeStartup', '0'),
    cmd('outlet.2.load.off', 'UPS.OutletSystem.Outlet.[3].DelayBeforeShutdown', '0'),
    cmd('outlet.2.load.on', 'UPS.OutletSystem.Outlet.[3].DelayBeforeStartup', '0'),
  ];
}

/** get_model_name: the marketing name for iProduct + iModel, and the model type it implies. */
export function mgeModelName(iProduct: string, iModel: string): { name: string; type: number | undefined } {
  const m = MGE_MODEL_NAMES.find(([p, model]) => p === iProduct && model === iModel);
  if (m && m[3] !== null) return { name: m[3], type: m[2] };
  return { name: `${iProduct} ${iModel}`.slice(0, 511), type: m?.[2] };
}

export const mgeSubdriver: Subdriver = {
  name: 'mge',
  claim(dev, opts) {
    const s = usbSupport(dev, MGE_DEVICES);
    const aeg = (dev.vendor?.includes('AEG') ?? false) || (dev.product?.includes('AEG') ?? false);
    if (s === 'no') return { claimed: false, tweaks: {} };
    if (s === 'supported') return { claimed: dev.vendorId !== PHOENIXTEC_VENDORID || aeg, tweaks: {} };
    switch (dev.vendorId) {
      // these vendors make many USB devices that are not UPSes: no "possibly supported" notice
      case HP_VENDORID: case DELL_VENDORID: return { claimed: opts.productIdGiven, tweaks: {} };
      // mostly liebert-hid's, except AEG PROTECT NAS units
      case PHOENIXTEC_VENDORID: return { claimed: aeg, tweaks: {} };
      default: return { claimed: opts.productIdGiven, tweaks: {}, possibly: 'Eaton / MGE' };
    }
  },
  create(): SubdriverInstance {
    const st: MgeState = { type: MGE_DEFAULT, country: COUNTRY_UNKNOWN, abm: ABM_UNKNOWN, nominal: -1 };
    return {
      name: 'MGE HID 1.46',
      usages: [MGE_USAGES, STANDARD_USAGES],
      table: mgeTable(st),
      async formatModel(dev, ctx) {
        if (dev.vendorId === DELL_VENDORID) return dev.product;
        const product = (dev.product ?? 'unknown').slice(0, 511);
        let model = await ctx.itemString('UPS.PowerSummary.iModel');
        if (model.length < 1) {
          const va = await ctx.itemValue('UPS.Flow.[4].ConfigApparentPower');
          if (va !== undefined) model = String(Math.trunc(va));
        }
        if (model.length === 0) return dev.product;
        const r = mgeModelName(product, model);
        if (r.type !== undefined) st.type = r.type;
        return r.name;
      },
      formatMfr: (dev) => dev.vendor ?? 'Eaton',
      formatSerial: (dev) => dev.serial,
      fixReportDescriptor: () => false,
    };
  },
};
