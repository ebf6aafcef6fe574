// APC subdriver: NUT 2.8.0's apc-hid.c ("APC HID 0.98") as data. APC's vendor page 0xff86, its
// BCD battery dates, line-fail causes, the Back-UPS 500 paths without PresentStatus, the
// max-report tweak for Back-UPS ES 525 / CS, no interrupt pipe on product 0x0003, and the fix for
// Back-UPS XS 1400U input voltage limits.
import { findFieldByIdNode, STANDARD_USAGES, type ReportDescriptor, type UsageTable } from '../../protocol/hid/index.js';
import { cFormat } from '../../protocol/q1/cformat.js';
import {
  ONLINE, DISCHARGING, CHARGING, SHUTDOWNIMM, LOWBATT, OVERLOAD, REPLACEBATT, TIMELIMITEXPIRED, NOBATTERY,
  TEST_READ, BEEPER, DATE, STRING_ID, KELVIN_CELSIUS, long,
} from './lookups.js';
import {
  v, f, absent, bool, cmd, pairs, usbSupport, testCmds, delayCmds, beeperCmds, ST_RW, ST_STRING, HU_SEMI_STATIC, HU_QUICK_POLL, DEFAULT_ONDELAY, DEFAULT_OFFDELAY,
  type HidInfo, type InfoLookup, type Subdriver, type SubdriverInstance,
} from './subdriver.js';
import type { HidDeviceInfo } from './transport.js';

export const APC_VENDORID = 0x051d;
const APC_DEVICES = [[APC_VENDORID, 0x0000], [APC_VENDORID, 0x0002], [APC_VENDORID, 0x0003]] as const;
/** Products whose firmware misreports report sizes (NUT's tweak_max_report). */
const MAX_REPORT_MODELS = ['Back-UPS ES 525', 'Back-UPS CS'];

const USAGE_HIGH_VOLTAGE_TRANSFER = 0x00840054;
const USAGE_VOLTAGE = 0x00840030;
const USAGE_CONFIG_VOLTAGE = 0x00840040;

/** APC's vendor usages (apc_usage_lkp). */
export const APC_USAGES: UsageTable = [
  ['APCGeneralCollection', 0xff860005], ['APCEnvironment', 0xff860006], ['APCProbe1', 0xff860007], ['APCProbe2', 0xff860008],
  ['APCBattReplaceDate', 0xff860016], ['APCBattCapBeforeStartup', 0xff860019], ['APC_UPS_FirmwareRevision', 0xff860042],
  ['APCLineFailCause', 0xff860052], ['APCStatusFlag', 0xff860060], ['APCSensitivity', 0xff860061], ['APCPanelTest', 0xff860072],
  ['APCShutdownAfterDelay', 0xff860076], ['APC_USB_FirmwareRevision', 0xff860079], ['APCDelayBeforeReboot', 0xff86007c],
  ['APCDelayBeforeShutdown', 0xff86007d], ['APCDelayBeforeStartup', 0xff86007e], ['BUPHibernate', 0x00850058],
  ['BUPBattCapBeforeStartup', 0x00860012], ['BUPDelayBeforeStartup', 0x00860076], ['BUPSelfTest', 0x00860010],
];

/** BCD "hexadecimal-as-decimal" dates: 0x102202 is 2002/10/22 (apc_date_conversion). */
export const APC_DATE: InfoLookup = {
  entries: [],
  fun: (value) => {
    const x = long(value);
    if (x === 0) return 'not set';
    let year = (x & 0xf) + 10 * ((x >> 4) & 0xf);
    const month = ((x >> 16) & 0xf) + 10 * ((x >> 20) & 0xf);
    const day = ((x >> 8) & 0xf) + 10 * ((x >> 12) & 0xf);
    year += year >= 70 ? 1900 : 2000;
    return `${cFormat('%04d', year)}/${cFormat('%02d', month)}/${cFormat('%02d', day)}`;
  },
  nuf: (text) => {
    const m = /^\s*([+-]?\d+)\/([+-]?\d+)\/([+-]?\d+)/.exec(text);
    if (!m) return 0;
    let year = Number(m[1]);
    const month = Number(m[2]);
    const day = Number(m[3]);
    if (year >= 2070 || month > 12 || day > 31) return 0;
    year %= 100;
    return (((Math.trunc(year / 10) & 0x0f) << 4) + (year % 10)) + (((Math.trunc(month / 10) & 0x0f) << 20) + ((month % 10) << 16))
      + (((Math.trunc(day / 10) & 0x0f) << 12) + ((day % 10) << 8));
  },
};

const APC_STATUS_FLAG = pairs([8, '!off'], [16, '!off'], [0, 'off']);
const LINE_FAIL_VRANGE = pairs([1, 'vrange'], [2, 'vrange'], [4, 'vrange'], [8, 'vrange'], [9, 'vrange'], [0, '!vrange']);
const LINE_FAIL_FRANGE = pairs([7, 'frange'], [0, '!frange']);
const SENSITIVITY = pairs([0, 'low'], [1, 'medium'], [2, 'high']);

const RWS = ST_RW | ST_STRING;
const PS = 'UPS.PowerSummary';
const OUT = 'UPS.Output';
const GEN = 'UPS.APCGeneralCollection';

/** apc_hid2nut, row for row. */
export const APC_TABLE: readonly HidInfo[] = [
  v('battery.charge', `${PS}.RemainingCapacity`, '%.0f'),
  f('battery.charge.low', RWS, 10, `${PS}.RemainingCapacityLimit`, '%.0f', HU_SEMI_STATIC),
  v('battery.charge.warning', `${PS}.WarningCapacityLimit`, '%.0f'),
  v('battery.runtime', 'UPS.Battery.RunTimeToEmpty', '%.0f'),
  v('battery.runtime', `${PS}.RunTimeToEmpty`, '%.0f'),
  f('battery.runtime.low', RWS, 10, 'UPS.Battery.RemainingTimeLimit', '%.0f', HU_SEMI_STATIC),
  f('battery.runtime.low', RWS, 10, `${PS}.RemainingTimeLimit`, '%.0f', HU_SEMI_STATIC),
  v('battery.voltage', 'UPS.Battery.Voltage', '%.1f'),
  v('battery.voltage', `${PS}.Voltage`, '%.1f'),
  v('battery.voltage.nominal', 'UPS.Battery.ConfigVoltage', '%.1f'),
  v('battery.voltage.nominal', `${PS}.ConfigVoltage`, '%.1f'),
  v('battery.temperature', 'UPS.Battery.Temperature', '%s', 0, KELVIN_CELSIUS),
  v('battery.type', `${PS}.iDeviceChemistry`, '%s', 0, STRING_ID),
  f('battery.mfr.date', RWS, 10, 'UPS.Battery.ManufacturerDate', '%s', HU_SEMI_STATIC, DATE),
  v('battery.mfr.date', `${PS}.APCBattReplaceDate`, '%s', 0, APC_DATE),
  v('battery.date', 'UPS.Battery.APCBattReplaceDate', '%s', 0, APC_DATE),
  v('ups.load', `${OUT}.PercentLoad`, '%.1f'),
  v('ups.load', 'UPS.PowerConverter.PercentLoad', '%.0f'),
  absent('ups.delay.start', 10, `${PS}.DelayBeforeStartup`, DEFAULT_ONDELAY),
  absent('ups.delay.shutdown', 10, `${PS}.DelayBeforeShutdown`, DEFAULT_OFFDELAY),
  v('ups.timer.start', `${PS}.DelayBeforeStartup`, '%.0f', HU_QUICK_POLL),
  v('ups.timer.shutdown', `${PS}.DelayBeforeShutdown`, '%.0f', HU_QUICK_POLL),
  v('ups.timer.reboot', `${PS}.DelayBeforeReboot`, '%.0f', HU_QUICK_POLL),
  absent('ups.delay.start', 10, `${OUT}.DelayBeforeStartup`, DEFAULT_ONDELAY),
  absent('ups.delay.shutdown', 10, `${OUT}.DelayBeforeShutdown`, DEFAULT_OFFDELAY),
  v('ups.timer.start', `${OUT}.DelayBeforeStartup`, '%.0f', HU_QUICK_POLL),
  v('ups.timer.shutdown', `${OUT}.DelayBeforeShutdown`, '%.0f', HU_QUICK_POLL),
  v('ups.timer.reboot', `${OUT}.DelayBeforeReboot`, '%.0f', HU_QUICK_POLL),
  absent('ups.delay.start', 10, `${GEN}.APCDelayBeforeStartup`, DEFAULT_ONDELAY),
  absent('ups.delay.shutdown', 10, `${GEN}.APCDelayBeforeShutdown`, DEFAULT_OFFDELAY),
  v('ups.timer.start', `${GEN}.APCDelayBeforeStartup`, '%.0f', HU_QUICK_POLL),
  v('ups.timer.shutdown', `${GEN}.APCDelayBeforeShutdown`, '%.0f', HU_QUICK_POLL),
  v('ups.timer.reboot', `${GEN}.APCDelayBeforeReboot`, '%.0f', HU_QUICK_POLL),
  v('ups.test.result', 'UPS.Battery.Test', '%s', 0, TEST_READ),
  v('ups.beeper.status', `${PS}.AudibleAlarmControl`, '%s', 0, BEEPER),
  v('ups.mfr.date', 'UPS.ManufacturerDate', '%s', 0, DATE),
  v('ups.mfr.date', `${PS}.ManufacturerDate`, '%s', 0, DATE),
  v('ups.realpower.nominal', 'UPS.PowerConverter.ConfigActivePower', '%.0f'),
  v('ups.realpower.nominal', `${OUT}.ConfigActivePower`, '%.0f'),
  bool(`${PS}.PresentStatus.ACPresent`, ONLINE, HU_QUICK_POLL),
  bool(`${PS}.PresentStatus.Discharging`, DISCHARGING, HU_QUICK_POLL),
  bool(`${PS}.PresentStatus.Charging`, CHARGING, HU_QUICK_POLL),
  bool(`${PS}.PresentStatus.ShutdownImminent`, SHUTDOWNIMM),
  bool(`${PS}.PresentStatus.BelowRemainingCapacityLimit`, LOWBATT, HU_QUICK_POLL),
  bool(`${PS}.PresentStatus.Overload`, OVERLOAD),
  bool(`${PS}.PresentStatus.NeedReplacement`, REPLACEBATT),
  bool(`${PS}.PresentStatus.RemainingTimeLimitExpired`, TIMELIMITEXPIRED),
  bool(`${PS}.PresentStatus.BatteryPresent`, NOBATTERY),
  bool(`${PS}.Charging`, CHARGING, HU_QUICK_POLL),
  bool(`${PS}.Discharging`, DISCHARGING, HU_QUICK_POLL),
  bool(`${PS}.ACPresent`, ONLINE, HU_QUICK_POLL),
  bool(`${PS}.BelowRemainingCapacityLimit`, LOWBATT, HU_QUICK_POLL),
  bool(`${PS}.ShutdownImminent`, SHUTDOWNIMM),
  bool(`${PS}.APCStatusFlag`, APC_STATUS_FLAG, HU_QUICK_POLL),
  // twice, so that both the voltage and the frequency reason can be cleared
  bool('UPS.Input.APCLineFailCause', LINE_FAIL_VRANGE),
  bool('UPS.Input.APCLineFailCause', LINE_FAIL_FRANGE),
  v('input.voltage', 'UPS.Input.Voltage', '%.1f'),
  v('input.voltage.nominal', 'UPS.Input.ConfigVoltage', '%.0f'),
  f('input.transfer.low', RWS, 10, `${OUT}.LowVoltageTransfer`, '%.0f', HU_SEMI_STATIC),
  f('input.transfer.high', RWS, 10, `${OUT}.HighVoltageTransfer`, '%.0f', HU_SEMI_STATIC),
  f('input.transfer.low', RWS, 10, 'UPS.Input.LowVoltageTransfer', '%.0f', HU_SEMI_STATIC),
  f('input.transfer.high', RWS, 10, 'UPS.Input.HighVoltageTransfer', '%.0f', HU_SEMI_STATIC),
  f('input.sensitivity', RWS, 10, 'UPS.Input.APCSensitivity', '%s', HU_SEMI_STATIC, SENSITIVITY),
  v('output.voltage', `${OUT}.Voltage`, '%.1f'),
  v('output.voltage.nominal', `${OUT}.ConfigVoltage`, '%.1f'),
  v('output.current', `${OUT}.Current`, '%.2f'),
  v('output.frequency', `${OUT}.Frequency`, '%.1f'),
  v('ambient.temperature', 'UPS.APCEnvironment.APCProbe1.Temperature', '%s', 0, KELVIN_CELSIUS),
  v('ambient.humidity', 'UPS.APCEnvironment.APCProbe1.Humidity', '%.1f'),
  ...testCmds('UPS.BatterySystem.Battery.Test'),
  ...testCmds('UPS.Battery.Test'), // Back-UPS RS
  cmd('test.panel.start', 'UPS.APCPanelTest', '1'),
  cmd('test.panel.stop', 'UPS.APCPanelTest', '0'),
  cmd('test.panel.start', `${PS}.APCPanelTest`, '1'),
  cmd('test.panel.stop', `${PS}.APCPanelTest`, '0'),
  ...delayCmds(`${PS}.DelayBeforeShutdown`, `${PS}.DelayBeforeStartup`, `${PS}.DelayBeforeReboot`),
  ...delayCmds(`${OUT}.DelayBeforeShutdown`, `${OUT}.DelayBeforeStartup`, `${OUT}.DelayBeforeReboot`),
  ...delayCmds(`${GEN}.APCDelayBeforeShutdown`, `${GEN}.APCDelayBeforeStartup`, `${GEN}.APCDelayBeforeReboot`),
  cmd('shutdown.return', `${OUT}.APCDelayBeforeReboot`, '1'),
  cmd('beeper.on', `${PS}.AudibleAlarmControl`, '2'),
  cmd('beeper.off', `${PS}.AudibleAlarmControl`, '3'),
  ...beeperCmds(`${PS}.AudibleAlarmControl`),
];

/** apc_fix_report_desc: Back-UPS XS 1400U input voltage limits below the transfer point. */
function fixApc(dev: HidDeviceInfo, desc: ReportDescriptor): boolean {
  if (dev.vendorId !== APC_VENDORID || dev.productId !== 0x0002) return false;
  const hvt = findFieldByIdNode(desc, 0x33, USAGE_HIGH_VOLTAGE_TRANSFER);
  if (!hvt) return false;
  let fixed = false;
  const voltage = findFieldByIdNode(desc, 0x31, USAGE_VOLTAGE);
  if (voltage && hvt.logicalMax > voltage.logicalMax) {
    voltage.logicalMin = 0;
    voltage.logicalMax = hvt.logicalMax * 2;
    fixed = true;
  }
  const config = findFieldByIdNode(desc, 0x30, USAGE_CONFIG_VOLTAGE);
  if (config && hvt.logicalMax > config.logicalMax) {
    config.logicalMax = 255;
    fixed = true;
  }
  return fixed;
}

export const apcSubdriver: Subdriver = {
  name: 'apc',
  claim(dev, opts) {
    const s = usbSupport(dev, APC_DEVICES);
    if (s === 'no') return { claimed: false, tweaks: {} };
    if (s === 'possibly') return { claimed: opts.productIdGiven, tweaks: {}, possibly: 'APC' };
    if (dev.productId === 0x0003) return { claimed: true, tweaks: { disableInterrupt: true } };
    if (dev.productId === 0x0002 && dev.product !== undefined && MAX_REPORT_MODELS.some((m) => (dev.product as string).startsWith(m))) {
      return { claimed: true, tweaks: { maxReportSize: true } };
    }
    return { claimed: true, tweaks: {} };
  },
  create(): SubdriverInstance {
    return {
      name: 'APC HID 0.98',
      usages: [APC_USAGES, STANDARD_USAGES],
      table: APC_TABLE,
      formatModel(dev, ctx) {
        // "Back-UPS 500 FW: 6.5.I USB FW: c1" → model, ups.firmware, ups.firmware.aux
        let model = (dev.product ?? 'unknown').slice(0, 63);
        const fw = model.indexOf('FW:');
        if (fw >= 0) {
          let rest = model.slice(fw + 3);
          model = model.slice(0, Math.max(0, fw - 1));
          const usb = rest.indexOf('USB FW:');
          if (usb >= 0) {
            ctx.setInfo('ups.firmware.aux', rest.slice(usb + 7));
            rest = rest.slice(0, Math.max(0, usb - 1));
          }
          ctx.setInfo('ups.firmware', rest);
        }
        return model;
      },
      formatMfr: (dev) => dev.vendor ?? 'APC',
      formatSerial: (dev) => dev.serial,
      fixReportDescriptor: fixApc,
    };
  },
};
