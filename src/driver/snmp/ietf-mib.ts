// The `ietf` mapping (RFC 1628 UPS-MIB, spec §10.4), as NUT 2.8.0's ietf-mib.c (version 1.54)
// builds it: the same entries in the same order (order decides the ups.status token order and
// which of two providers of a variable wins). Entries NUT compiles only with DEBUG are left out,
// as Debian's build leaves them out.
import {
  info, lookup, ST_RW, ST_STRING, SU_INFOSIZE, SU_FLAG_OK, SU_FLAG_STATIC, SU_TYPE_CMD,
  SU_INPUT_1, SU_INPUT_3, SU_OUTPUT_1, SU_OUTPUT_3, SU_BYPASS_1, SU_BYPASS_3,
  type MibMapping, type SnmpInfo,
} from './mib.js';

export const IETF_MIB_VERSION = '1.54';
/** NUT writes the UPS-MIB base without its leading dot; the system group with it. */
const U = '1.3.6.1.2.1.33.1.';
const S = ST_STRING;

export const IETF_BATTERY_STATUS = lookup([[1, ''], [2, ''], [3, 'LB'], [4, 'LB']]);
export const IETF_OUTPUT_SOURCE = lookup([[1, ''], [2, 'OFF'], [3, 'OL'], [4, 'OL BYPASS'], [5, 'OB'], [6, 'OL BOOST'], [7, 'OL TRIM']]);
export const IETF_OVERLOAD = lookup([[1, 'OVER']]);
export const IETF_TEST_ACTIVE = lookup([[1, ''], [2, ''], [3, 'TEST'], [4, 'TEST'], [5, 'CAL']]);
export const IETF_TEST_RESULT = lookup([[1, 'done and passed'], [2, 'done and warning'], [3, 'done and error'], [4, 'aborted'], [5, 'in progress'], [6, 'no test initiated']]);
export const IETF_YES_NO = lookup([[1, 'yes'], [2, 'no']]);
export const IETF_BEEPER_STATUS = lookup([[1, 'disabled'], [2, 'enabled'], [3, 'muted']]);

/** 1-phase and 3-phase variants of one table column (line index 1..3). */
function phased(single: string, prefix: string, suffix: string, len: number, column: string, one: number, three: number): SnmpInfo[] {
  return [
    info(single, 0, len, `${U}${column}.1`, '', one),
    ...[1, 2, 3].map((l) => info(`${prefix}L${l}${suffix}`, 0, len, `${U}${column}.${l}`, '', three)),
  ];
}

export const IETF_TABLE: readonly SnmpInfo[] = [
  info('device.description', S | ST_RW, SU_INFOSIZE, '.1.3.6.1.2.1.1.1.0', null, SU_FLAG_OK),
  info('device.contact', S | ST_RW, SU_INFOSIZE, '.1.3.6.1.2.1.1.4.0', null, SU_FLAG_OK),
  info('device.location', S | ST_RW, SU_INFOSIZE, '.1.3.6.1.2.1.1.6.0', null, SU_FLAG_OK),
  info('ups.mfr', S, SU_INFOSIZE, `${U}1.1.0`, 'Generic', SU_FLAG_STATIC),
  info('ups.model', S, SU_INFOSIZE, `${U}1.2.0`, 'Generic SNMP UPS', SU_FLAG_STATIC),
  info('ups.firmware', S, SU_INFOSIZE, `${U}1.3.0`, '', SU_FLAG_STATIC),
  info('ups.firmware.aux', S, SU_INFOSIZE, `${U}1.4.0`, '', SU_FLAG_STATIC),
  info('ups.status', S, SU_INFOSIZE, `${U}2.1.0`, '', 0, IETF_BATTERY_STATUS),
  info('battery.runtime', 0, 60.0, `${U}2.3.0`, '', 0),
  info('battery.charge', 0, 1, `${U}2.4.0`, '', 0),
  info('battery.voltage', 0, 0.1, `${U}2.5.0`, '', 0),
  info('battery.current', 0, 0.1, `${U}2.6.0`, '', 0),
  info('battery.temperature', 0, 1.0, `${U}2.7.0`, '', 0),
  info('input.phases', 0, 1.0, `${U}3.2.0`, '', 0),
  ...phased('input.frequency', 'input.', '.frequency', 0.1, '3.3.1.2', SU_INPUT_1, SU_INPUT_3),
  ...phased('input.voltage', 'input.', '-N.voltage', 1.0, '3.3.1.3', SU_INPUT_1, SU_INPUT_3),
  ...phased('input.current', 'input.', '.current', 0.1, '3.3.1.4', SU_INPUT_1, SU_INPUT_3),
  ...phased('input.realpower', 'input.', '.realpower', 1.0, '3.3.1.5', SU_INPUT_1, SU_INPUT_3),
  info('ups.status', S, SU_INFOSIZE, `${U}4.1.0`, '', 0, IETF_OUTPUT_SOURCE),
  info('output.frequency', 0, 0.1, `${U}4.2.0`, '', 0),
  info('output.phases', 0, 1.0, `${U}4.3.0`, '', 0),
  ...phased('output.voltage', 'output.', '-N.voltage', 1.0, '4.4.1.2', SU_OUTPUT_1, SU_OUTPUT_3),
  ...phased('output.current', 'output.', '.current', 0.1, '4.4.1.3', SU_OUTPUT_1, SU_OUTPUT_3),
  ...phased('output.realpower', 'output.', '.realpower', 1.0, '4.4.1.4', SU_OUTPUT_1, SU_OUTPUT_3),
  ...phased('ups.load', 'output.', '.power.percent', 1.0, '4.4.1.5', SU_OUTPUT_1, SU_OUTPUT_3),
  info('input.bypass.phases', 0, 1.0, `${U}5.2.0`, '', 0),
  info('input.bypass.frequency', 0, 0.1, `${U}5.1.0`, '', SU_BYPASS_1 | SU_BYPASS_3),
  ...phased('input.bypass.voltage', 'input.bypass.', '-N.voltage', 1.0, '5.3.1.2', SU_BYPASS_1, SU_BYPASS_3),
  ...phased('input.bypass.current', 'input.bypass.', '.current', 0.1, '5.3.1.3', SU_BYPASS_1, SU_BYPASS_3),
  ...phased('input.bypass.realpower', 'input.bypass.', '.realpower', 1.0, '5.3.1.4', SU_BYPASS_1, SU_BYPASS_3),
  info('ups.status', S, SU_INFOSIZE, `${U}6.3.8`, '', 0, IETF_OVERLOAD),
  info('ups.status', S, SU_INFOSIZE, `${U}7.1.0`, '', 0, IETF_TEST_ACTIVE),
  info('test.battery.stop', 0, 1, `${U}7.1.0`, '0', SU_TYPE_CMD),
  info('test.battery.start', 0, 1, `${U}7.1.0`, '0', SU_TYPE_CMD),
  info('test.battery.start.quick', 0, 1, `${U}7.1.0`, '0', SU_TYPE_CMD),
  info('test.battery.start.deep', 0, 1, `${U}7.1.0`, '0', SU_TYPE_CMD),
  info('ups.test.result', S, SU_INFOSIZE, `${U}7.3.0`, '', 0, IETF_TEST_RESULT),
  info('ups.timer.shutdown', S | ST_RW, 8, `${U}8.2.0`, '', 0),
  info('load.off', 0, 1, `${U}8.2.0`, '0', SU_TYPE_CMD),
  info('ups.timer.start', S | ST_RW, 8, `${U}8.3.0`, '', 0),
  info('load.on', 0, 1, `${U}8.3.0`, '0', SU_TYPE_CMD),
  info('ups.timer.reboot', S | ST_RW, 8, `${U}8.4.0`, '', 0),
  info('ups.start.auto', S, SU_INFOSIZE, `${U}8.5.0`, '', 0, IETF_YES_NO),
  info('input.voltage.nominal', 0, 1.0, `${U}9.1.0`, '', 0),
  info('input.frequency.nominal', 0, 0.1, `${U}9.2.0`, '', 0),
  info('output.voltage.nominal', 0, 1.0, `${U}9.3.0`, '', 0),
  info('output.frequency.nominal', 0, 0.1, `${U}9.4.0`, '', 0),
  info('output.power.nominal', 0, 1.0, `${U}9.5.0`, '', 0),
  info('output.realpower.nominal', 0, 1.0, `${U}9.6.0`, '', 0),
  info('battery.runtime.low', 0, 60.0, `${U}9.7.0`, '', 0),
  info('ups.beeper.status', S, SU_INFOSIZE, `${U}9.8.0`, '', 0, IETF_BEEPER_STATUS),
  info('beeper.disable', 0, 1, `${U}9.8.0`, '1', SU_TYPE_CMD),
  info('beeper.enable', 0, 1, `${U}9.8.0`, '2', SU_TYPE_CMD),
  info('beeper.mute', 0, 1, `${U}9.8.0`, '3', SU_TYPE_CMD),
  info('input.transfer.low', 0, 1.0, `${U}9.9.0`, '', 0),
  info('input.transfer.high', 0, 1.0, `${U}9.10.0`, '', 0),
];

/** Tripp Lite units use the same table under their own sysObjectID (NUT names it "tripplite"). */
export const TRIPPLITE: MibMapping = { name: 'tripplite', version: IETF_MIB_VERSION, sysOid: '.1.3.6.1.4.1.850.1', table: IETF_TABLE };
export const IETF: MibMapping = { name: 'ietf', version: IETF_MIB_VERSION, sysOid: '.1.3.6.1.2.1.33', table: IETF_TABLE };
