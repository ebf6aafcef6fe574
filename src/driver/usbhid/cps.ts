// CyberPower subdriver: NUT 2.8.0's cps-hid.c ("CyberPower HID 0.6") as data, with its quirks:
// battery voltage scaled by 2/3 on product 0x0501 units whose reading is over 1.4 × nominal,
// battery charge clamped to 100 %, and the report descriptor fix for the output voltage limits
// that some units copy from the high transfer point (CP900EPFCLCD and others).
import { findFieldByIdNode, STANDARD_USAGES, type ReportDescriptor } from '../../protocol/hid/index.js';
import { cFormat } from '../../protocol/q1/cformat.js';
import {
  ONLINE, CHARGING, DISCHARGING, LOWBATT, FULLYCHARGED, TIMELIMITEXPIRED, BOOST, OVERLOAD, TEST_READ, BEEPER, STRING_ID,
} from './lookups.js';
import {
  v, f, absent, bool, cmd, usbSupport, testCmds, delayCmds, beeperCmds, ST_RW, ST_STRING, HU_SEMI_STATIC, HU_QUICK_POLL, DEFAULT_ONDELAY, DEFAULT_OFFDELAY,
  type HidInfo, type InfoLookup, type Subdriver, type SubdriverInstance,
} from './subdriver.js';
import type { HidDeviceInfo } from './transport.js';

export const CPS_VENDORID = 0x0764;
const CPS_DEVICES = [[CPS_VENDORID, 0x0005], [CPS_VENDORID, 0x0501], [CPS_VENDORID, 0x0601]] as const;
/** The limits cps_fix_report_desc gives a wrongly described voltage. */
export const CPS_VOLTAGE_LOGMIN = 0;
export const CPS_VOLTAGE_LOGMAX = 511;
/** Battery reading over this many times nominal: the unit reports 1.5 × the real voltage. */
export const BATTERY_VOLTAGE_SANITY = 1.4;

const USAGE_HIGH_VOLTAGE_TRANSFER = 0x00840054;
const USAGE_VOLTAGE = 0x00840030;

const RWS = ST_RW | ST_STRING;
const PS = 'UPS.PowerSummary';

function cpsTable(battVolt: InfoLookup, battCharge: InfoLookup): HidInfo[] {
  return [
    v('battery.type', `${PS}.iDeviceChemistry`, '%s', 0, STRING_ID),
    v('battery.mfr.date', `${PS}.iOEMInformation`, '%s', 0, STRING_ID),
    v('battery.charge.warning', `${PS}.WarningCapacityLimit`, '%.0f'),
    f('battery.charge.low', RWS, 10, `${PS}.RemainingCapacityLimit`, '%.0f', HU_SEMI_STATIC),
    v('battery.charge', `${PS}.RemainingCapacity`, '%s', 0, battCharge),
    v('battery.runtime', `${PS}.RunTimeToEmpty`, '%.0f'),
    f('battery.runtime.low', RWS, 10, `${PS}.RemainingTimeLimit`, '%.0f', HU_SEMI_STATIC),
    v('battery.voltage.nominal', `${PS}.ConfigVoltage`, '%.0f'),
    v('battery.voltage', `${PS}.Voltage`, '%s', 0, battVolt),
    v('ups.load', 'UPS.Output.PercentLoad', '%.0f'),
    v('ups.beeper.status', `${PS}.AudibleAlarmControl`, '%s', 0, BEEPER),
    v('ups.test.result', 'UPS.Output.Test', '%s', 0, TEST_READ),
    v('ups.realpower.nominal', 'UPS.Output.ConfigActivePower', '%.0f'),
    absent('ups.delay.start', 10, 'UPS.Output.DelayBeforeStartup', DEFAULT_ONDELAY),
    absent('ups.delay.shutdown', 10, 'UPS.Output.DelayBeforeShutdown', DEFAULT_OFFDELAY),
    v('ups.timer.start', 'UPS.Output.DelayBeforeStartup', '%.0f', HU_QUICK_POLL),
    v('ups.timer.shutdown', 'UPS.Output.DelayBeforeShutdown', '%.0f', HU_QUICK_POLL),
    v('ups.timer.reboot', 'UPS.Output.DelayBeforeReboot', '%.0f', HU_QUICK_POLL),
    bool(`${PS}.PresentStatus.ACPresent`, ONLINE, HU_QUICK_POLL),
    bool(`${PS}.PresentStatus.Charging`, CHARGING, HU_QUICK_POLL),
    bool(`${PS}.PresentStatus.Discharging`, DISCHARGING, HU_QUICK_POLL),
    bool(`${PS}.PresentStatus.BelowRemainingCapacityLimit`, LOWBATT, HU_QUICK_POLL),
    bool(`${PS}.PresentStatus.FullyCharged`, FULLYCHARGED),
    bool(`${PS}.PresentStatus.RemainingTimeLimitExpired`, TIMELIMITEXPIRED),
    bool('UPS.Output.Boost', BOOST),
    bool('UPS.Output.Overload', OVERLOAD),
    v('input.frequency', 'UPS.Input.Frequency', '%.1f'),
    v('input.voltage.nominal', 'UPS.Input.ConfigVoltage', '%.0f'),
    v('input.voltage', 'UPS.Input.Voltage', '%.1f'),
    f('input.transfer.low', RWS, 10, 'UPS.Input.LowVoltageTransfer', '%.0f', HU_SEMI_STATIC),
    f('input.transfer.high', RWS, 10, 'UPS.Input.HighVoltageTransfer', '%.0f', HU_SEMI_STATIC),
    v('output.frequency', 'UPS.Output.Frequency', '%.1f'),
    v('output.voltage', 'UPS.Output.Voltage', '%.1f'),
    v('output.voltage.nominal', 'UPS.Output.ConfigVoltage', '%.0f'),
    ...testCmds('UPS.Output.Test'),
    ...delayCmds('UPS.Output.DelayBeforeShutdown', 'UPS.Output.DelayBeforeStartup', 'UPS.Output.DelayBeforeReboot'),
    cmd('beeper.on', `${PS}.AudibleAlarmControl`, '2'),
    cmd('beeper.off', `${PS}.AudibleAlarmControl`, '3'),
    ...beeperCmds(`${PS}.AudibleAlarmControl`),
  ];
}

/**
 * cps_fix_report_desc: on 0764:0501, an output voltage (report 18) described with the high
 * transfer point's limits (report 16) gets 0..511. NUT 2.8.0 also looks up the input voltage
 * (report 15) and logs that it fixes it, but leaves it unchanged; so does hardnut.
 */
function fixCps(dev: HidDeviceInfo, desc: ReportDescriptor): boolean {
  if (dev.vendorId !== CPS_VENDORID || dev.productId !== 0x0501) return false;
  const hvt = findFieldByIdNode(desc, 16, USAGE_HIGH_VOLTAGE_TRANSFER);
  if (!hvt) return false;
  const output = findFieldByIdNode(desc, 18, USAGE_VOLTAGE);
  if (!output || hvt.logicalMin !== output.logicalMin || hvt.logicalMax !== output.logicalMax) return false;
  output.logicalMin = CPS_VOLTAGE_LOGMIN;
  output.logicalMax = CPS_VOLTAGE_LOGMAX;
  return true;
}

export const cpsSubdriver: Subdriver = {
  name: 'cyberpower',
  claim(dev, opts) {
    const s = usbSupport(dev, CPS_DEVICES);
    if (s === 'no') return { claimed: false, tweaks: {} };
    if (s === 'possibly') return { claimed: opts.productIdGiven, tweaks: {}, possibly: 'CyberPower' };
    return { claimed: true, tweaks: {} };
  },
  create(): SubdriverInstance {
    // per device: whether the 2/3 battery scale may apply (product 0x0501) and whether it was decided
    let mightNeedScale = false;
    let scaleChecked = false;
    let scale = 1;
    const battVolt: InfoLookup = {
      entries: [],
      fun: (value, ctx) => {
        if (mightNeedScale && !scaleChecked) {
          const nominal = ctx.getInfo('battery.voltage.nominal');
          if (nominal === undefined) ctx.debug(2, "cps_adjust_battery_scale: 'battery.voltage.nominal' not available yet; skipping scale determination");
          else {
            const n = Number.parseFloat(nominal);
            if (Number.isFinite(n) && n !== 0) {
              if (value / n > BATTERY_VOLTAGE_SANITY) scale = 2 / 3;
              scaleChecked = true;
            }
          }
        }
        return cFormat('%.1f', scale * value);
      },
    };
    const battCharge: InfoLookup = { entries: [], fun: (value) => cFormat('%.0f', value < 100 ? value : 100) };
    return {
      name: 'CyberPower HID 0.6',
      usages: [STANDARD_USAGES],
      table: cpsTable(battVolt, battCharge),
      formatModel(dev) {
        // the claim handler of 0764:0501 arms the battery scale check
        if (dev.vendorId === CPS_VENDORID && dev.productId === 0x0501) mightNeedScale = true;
        return dev.product;
      },
      formatMfr: (dev) => dev.vendor ?? 'CPS',
      formatSerial: (dev) => dev.serial,
      fixReportDescriptor: fixCps,
    };
  },
};
