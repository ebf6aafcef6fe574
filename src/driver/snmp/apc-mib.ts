// The `apcc` mapping (APC PowerNet MIB), as NUT 2.8.0's apc-mib.c (version 1.6) builds it: the
// same entries in the same order. Where two OIDs provide one variable, the first (high precision)
// one that answers with a valid value wins and disables the others (SU_FLAG_UNIQUE).
import {
  info, lookup, ST_RW, ST_STRING, SU_INFOSIZE, SU_FLAG_OK, SU_FLAG_STATIC, SU_FLAG_ABSENT, SU_FLAG_NEGINVALID,
  SU_FLAG_UNIQUE, SU_TYPE_CMD, SU_TYPE_INT, SU_TYPE_TIME,
  type MibMapping, type SnmpInfo,
} from './mib.js';

export const APCC_MIB_VERSION = '1.6';
const P = '.1.3.6.1.4.1.318.1.1.1.';
const S = ST_STRING;
const OK = SU_FLAG_OK;
const NEG = SU_FLAG_NEGINVALID;
const UNIQ = SU_FLAG_UNIQUE;
/** NUT uses the model OID as the "sysOID" of this mapping: no device reports it, so mibs=auto finds APC by the model OID. */
export const APC_UPS_DEVICE_MODEL = `${P}1.1.1.0`;
export const APCC_OID_POWER_STATUS = `${P}4.1.1.0`;
export const APCC_OID_IEM_TEMP = '.1.3.6.1.4.1.318.1.1.10.2.3.2.1.4.1';
export const APCC_OID_IEM_TEMP_UNIT = '.1.3.6.1.4.1.318.1.1.10.2.3.2.1.5.1';
export const APCC_IEM_FAHRENHEIT = 2;

export const APCC_BATT_STATUS = lookup([[1, ''], [2, ''], [3, 'LB']]);
export const APCC_POWER_STATUS = lookup([[1, ''], [2, 'OL'], [3, 'OB'], [4, 'OL BOOST'], [5, 'OFF'], [6, 'OFF'], [7, 'OFF'], [8, ''], [9, 'BYPASS'], [10, 'BYPASS'], [11, 'OFF'], [12, 'OL TRIM']]);
export const APCC_CAL_RESULTS = lookup([[1, ''], [2, ''], [3, 'CAL']]);
export const APCC_BATT_REPLACE = lookup([[1, ''], [2, 'RB']]);
export const APCC_TEST_RESULTS = lookup([[1, 'Ok'], [2, 'Failed'], [3, 'InvalidTest'], [4, 'TestInProgress']]);
export const APCC_SENSITIVITY = lookup([[1, 'auto'], [2, 'low'], [3, 'medium'], [4, 'high']]);
export const APCC_TRANSFER_REASONS = lookup([[1, 'noTransfer'], [2, 'highLineVoltage'], [3, 'brownout'], [4, 'blackout'], [5, 'smallMomentarySag'], [6, 'deepMomentarySag'], [7, 'smallMomentarySpike'], [8, 'largeMomentarySpike'], [9, 'selfTest'], [10, 'rateOfVoltageChange']]);

/** The three-phase table (PowerNet upsPhase*): L1..L3 of one column, each NEGINVALID. */
function lines(names: (l: number) => string, len: number, column: string): SnmpInfo[] {
  return [1, 2, 3].map((l) => info(names(l), 0, len, `${P}9.${column}.${l}`, '', OK | NEG));
}
const pair = (l: number): string => ['L1-L2', 'L2-L3', 'L3-L1'][l - 1] as string;

export const APCC_TABLE: readonly SnmpInfo[] = [
  info('device.description', S | ST_RW, SU_INFOSIZE, '.1.3.6.1.2.1.1.1.0', null, OK),
  info('device.contact', S | ST_RW, SU_INFOSIZE, '.1.3.6.1.2.1.1.4.0', null, OK),
  info('device.location', S | ST_RW, SU_INFOSIZE, '.1.3.6.1.2.1.1.6.0', null, OK),
  info('ups.mfr', S, SU_INFOSIZE, null, 'APC', SU_FLAG_STATIC | SU_FLAG_ABSENT | OK),
  info('ups.model', S, SU_INFOSIZE, APC_UPS_DEVICE_MODEL, 'Generic Powernet SNMP device', SU_FLAG_STATIC | OK),
  info('ups.serial', S, SU_INFOSIZE, `${P}1.2.3.0`, '', SU_FLAG_STATIC | OK),
  info('ups.mfr.date', S, SU_INFOSIZE, `${P}1.2.2.0`, '', OK | SU_FLAG_STATIC),
  info('input.voltage', 0, 0.1, `${P}3.3.1.0`, '', OK | NEG | UNIQ),
  info('input.voltage.maximum', 0, 0.1, `${P}3.3.2.0`, '', OK | NEG | UNIQ),
  info('input.voltage.minimum', 0, 0.1, `${P}3.3.3.0`, '', OK | NEG | UNIQ),
  info('input.voltage', 0, 1, `${P}3.2.1.0`, '', OK),
  info('input.voltage.maximum', 0, 1, `${P}3.2.2.0`, '', OK),
  info('input.voltage.minimum', 0, 1, `${P}3.2.3.0`, '', OK),
  info('input.phases', S, 2, `${P}9.2.2.1.2.1`, '', SU_FLAG_STATIC | OK),
  ...lines((l) => `input.${pair(l)}.voltage`, 1, '2.3.1.3.1.1'),
  ...lines((l) => `input.${pair(l)}.voltage.maximum`, 1, '2.3.1.4.1.1'),
  ...lines((l) => `input.${pair(l)}.voltage.minimum`, 1, '2.3.1.5.1.1'),
  ...lines((l) => `input.L${l}.current`, 0.1, '2.3.1.6.1.1'),
  ...lines((l) => `input.L${l}.current.maximum`, 0.1, '2.3.1.7.1.1'),
  ...lines((l) => `input.L${l}.current.minimum`, 0.1, '2.3.1.8.1.1'),
  info('input.frequency', 0, 0.1, `${P}9.2.2.1.4.1`, '', OK | NEG | UNIQ),
  info('input.frequency', 0, 0.1, `${P}3.3.4.0`, '', OK | NEG | UNIQ),
  info('input.frequency', 0, 1, `${P}3.2.4.0`, '', OK),
  info('input.transfer.low', S | ST_RW, 3, `${P}5.2.3.0`, '', SU_TYPE_INT | OK),
  info('input.transfer.high', S | ST_RW, 3, `${P}5.2.2.0`, '', SU_TYPE_INT | OK),
  // NUT writes this OID without its leading dot
  info('input.transfer.reason', S, 1, '1.3.6.1.4.1.318.1.1.1.3.2.5.0', '', SU_TYPE_INT | OK, APCC_TRANSFER_REASONS),
  info('input.sensitivity', S | ST_RW, 1, `${P}5.2.7.0`, '', SU_TYPE_INT | OK, APCC_SENSITIVITY),
  info('ups.power', 0, 1, `${P}4.2.9.0`, '', OK),
  info('ups.realpower', 0, 1, `${P}4.2.8.0`, '', OK),
  info('ups.status', S, SU_INFOSIZE, APCC_OID_POWER_STATUS, 'OFF', OK, APCC_POWER_STATUS),
  info('ups.status', S, SU_INFOSIZE, `${P}2.1.1.0`, '', OK, APCC_BATT_STATUS),
  info('ups.status', S, SU_INFOSIZE, `${P}7.2.6.0`, '', OK, APCC_CAL_RESULTS),
  info('ups.status', S, SU_INFOSIZE, `${P}2.2.4.0`, '', OK, APCC_BATT_REPLACE),
  info('ups.temperature', 0, 0.1, `${P}2.3.2.0`, '', OK | UNIQ),
  info('ups.temperature', 0, 1, `${P}2.2.2.0`, '', OK),
  info('ups.load', 0, 0.1, `${P}4.3.3.0`, '', OK | NEG | UNIQ),
  info('ups.load', 0, 1, `${P}4.2.3.0`, '', OK),
  info('ups.firmware', S, 16, `${P}1.2.1.0`, '', SU_FLAG_STATIC | OK),
  info('ups.delay.shutdown', ST_RW, 3, `${P}5.2.10.0`, '', SU_TYPE_TIME | OK),
  info('ups.delay.start', ST_RW, 3, `${P}5.2.9.0`, '', SU_TYPE_TIME | OK),
  info('battery.charge', 0, 0.1, `${P}2.3.1.0`, '', OK | NEG | UNIQ),
  info('battery.charge', 0, 1, `${P}2.2.1.0`, '', OK),
  info('battery.charge.restart', S | ST_RW, 3, `${P}5.2.6.0`, '', SU_TYPE_INT | OK),
  info('battery.runtime', 0, 1, `${P}2.2.3.0`, '', OK),
  info('battery.runtime.low', S | ST_RW, 3, `${P}5.2.8.0`, '', OK),
  info('battery.voltage', 0, 0.1, `${P}2.3.4.0`, '', OK | NEG | UNIQ),
  info('battery.voltage', 0, 1, `${P}2.2.8.0`, '', OK),
  info('battery.voltage.nominal', 0, 1, `${P}2.2.7.0`, '', OK),
  info('battery.current', 0, 0.1, `${P}2.3.5.0`, '', OK | UNIQ),
  info('battery.current', 0, 1, `${P}2.2.9.0`, '', OK),
  info('battery.current.total', 0, 0.1, `${P}2.3.6.0`, '', OK),
  info('battery.packs', 0, 1, `${P}2.2.5.0`, '', OK),
  info('battery.packs.bad', 0, 1, `${P}2.2.6.0`, '', OK),
  info('battery.date', S | ST_RW, 8, `${P}2.1.3.0`, '', OK | SU_FLAG_STATIC),
  info('ups.id', S | ST_RW, 8, `${P}1.1.2.0`, '', OK | SU_FLAG_STATIC),
  info('ups.test.result', S, SU_INFOSIZE, `${P}7.2.3.0`, '', OK, APCC_TEST_RESULTS),
  info('ups.test.date', S | ST_RW, 8, `${P}7.2.4.0`, '', OK | SU_FLAG_STATIC),
  info('output.voltage', 0, 0.1, `${P}4.3.1.0`, '', OK | UNIQ),
  info('output.voltage', 0, 1, `${P}4.2.1.0`, '', OK),
  info('output.phases', S, 2, `${P}9.3.2.1.2.1`, '', SU_FLAG_STATIC | OK),
  info('output.frequency', 0, 0.1, `${P}9.3.2.1.4.1`, '', OK | NEG | UNIQ),
  info('output.frequency', 0, 0.1, `${P}4.3.2.0`, '', OK | NEG | UNIQ),
  info('output.frequency', 0, 1, `${P}4.2.2.0`, '', OK),
  info('output.current', 0, 0.1, `${P}4.3.4.0`, '', OK | NEG | UNIQ),
  info('output.current', 0, 1, `${P}4.2.4.0`, '', OK),
  ...lines((l) => `output.${pair(l)}.voltage`, 1, '3.3.1.3.1.1'),
  ...lines((l) => `output.L${l}.current`, 0.1, '3.3.1.4.1.1'),
  ...lines((l) => `output.L${l}.current.maximum`, 0.1, '3.3.1.5.1.1'),
  ...lines((l) => `output.L${l}.current.minimum`, 0.1, '3.3.1.6.1.1'),
  ...lines((l) => `output.L${l}.power`, 1, '3.3.1.7.1.1'),
  ...lines((l) => `output.L${l}.power.maximum`, 1, '3.3.1.8.1.1'),
  ...lines((l) => `output.L${l}.power.minimum`, 1, '3.3.1.9.1.1'),
  ...lines((l) => `output.L${l}.power.percent`, 1, '3.3.1.10.1.1'),
  ...lines((l) => `output.L${l}.power.maximum.percent`, 1, '3.3.1.11.1.1'),
  ...lines((l) => `output.L${l}.power.minimum.percent`, 1, '3.3.1.12.1.1'),
  info('output.voltage.nominal', S | ST_RW, 3, `${P}5.2.1.0`, '', SU_TYPE_INT | OK),
  info('ambient.temperature', 0, 1, '.1.3.6.1.4.1.318.1.1.2.1.1.0', '', OK),
  info('ambient.1.temperature.alarm.high', 0, 1, '.1.3.6.1.4.1.318.1.1.10.1.2.2.1.3.1', '', OK),
  info('ambient.1.temperature.alarm.low', 0, 1, '.1.3.6.1.4.1.318.1.1.10.1.2.2.1.4.1', '', OK),
  info('ambient.humidity', 0, 1, '.1.3.6.1.4.1.318.1.1.2.1.2.0', '', OK),
  info('ambient.1.humidity.alarm.high', 0, 1, '.1.3.6.1.4.1.318.1.1.10.1.2.2.1.6.1', '', OK),
  info('ambient.1.humidity.alarm.low', 0, 1, '.1.3.6.1.4.1.318.1.1.10.1.2.2.1.7.1', '', OK),
  info('ambient.temperature', 0, 1, APCC_OID_IEM_TEMP, '', OK),
  info('ambient.humidity', 0, 1, '.1.3.6.1.4.1.318.1.1.10.2.3.2.1.6.1', '', OK),
  info('load.off', 0, 1, `${P}6.2.1.0`, '2', SU_TYPE_CMD | OK),
  info('load.on', 0, 1, `${P}6.2.6.0`, '2', SU_TYPE_CMD | OK),
  info('shutdown.stayoff', 0, 1, `${P}6.2.1.0`, '3', SU_TYPE_CMD | OK),
  info('shutdown.return', 0, 1, `${P}6.1.1.0`, '2', SU_TYPE_CMD | OK),
  info('test.failure.start', 0, 1, `${P}6.2.4.0`, '2', SU_TYPE_CMD | OK),
  info('test.panel.start', 0, 1, `${P}6.2.5.0`, '2', SU_TYPE_CMD | OK),
  info('bypass.start', 0, 1, `${P}6.2.7.0`, '2', SU_TYPE_CMD | OK),
  info('bypass.stop', 0, 1, `${P}6.2.7.0`, '3', SU_TYPE_CMD | OK),
  info('test.battery.start', 0, 1, `${P}7.2.2.0`, '2', SU_TYPE_CMD | OK),
  info('calibrate.start', 0, 1, `${P}7.2.5.0`, '2', SU_TYPE_CMD | OK),
  info('calibrate.stop', 0, 1, `${P}7.2.5.0`, '3', SU_TYPE_CMD | OK),
  info('reset.input.minmax', 0, 1, `${P}9.1.1.0`, '2', SU_TYPE_CMD | OK),
];

export const APCC: MibMapping = { name: 'apcc', version: APCC_MIB_VERSION, sysOid: APC_UPS_DEVICE_MODEL, table: APCC_TABLE };
