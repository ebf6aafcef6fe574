// Generic subdriver for HID Power Devices no vendor subdriver claims. Like NUT's "explore"
// subdriver it is chosen only with `-x explore` (and `vendorid`), but where explore publishes
// nothing, this one maps the standard Power Device / Battery System paths (§10.3) that the
// vendor tables share, so a compliant UPS of any brand reports its basics and takes commands.
import { STANDARD_USAGES } from '../../protocol/hid/index.js';
import {
  ONLINE, DISCHARGING, CHARGING, LOWBATT, SHUTDOWNIMM, OVERLOAD, REPLACEBATT, TIMELIMITEXPIRED, NOBATTERY, FULLYCHARGED, BOOST,
  TRIM, TEST_READ, BEEPER, STRING_ID, KELVIN_CELSIUS,
} from './lookups.js';
import {
  v, f, absent, bool, testCmds, delayCmds, beeperCmds, ST_RW, ST_STRING, HU_SEMI_STATIC, HU_QUICK_POLL, DEFAULT_ONDELAY, DEFAULT_OFFDELAY,
  type HidInfo, type Subdriver,
} from './subdriver.js';

const RWS = ST_RW | ST_STRING;
const PS = 'UPS.PowerSummary';

export const GENERIC_TABLE: readonly HidInfo[] = [
  v('battery.charge', `${PS}.RemainingCapacity`, '%.0f'),
  f('battery.charge.low', RWS, 10, `${PS}.RemainingCapacityLimit`, '%.0f', HU_SEMI_STATIC),
  v('battery.charge.warning', `${PS}.WarningCapacityLimit`, '%.0f'),
  v('battery.runtime', `${PS}.RunTimeToEmpty`, '%.0f'),
  v('battery.runtime', 'UPS.Battery.RunTimeToEmpty', '%.0f'),
  f('battery.runtime.low', RWS, 10, `${PS}.RemainingTimeLimit`, '%.0f', HU_SEMI_STATIC),
  v('battery.voltage', `${PS}.Voltage`, '%.1f'),
  v('battery.voltage', 'UPS.Battery.Voltage', '%.1f'),
  v('battery.voltage.nominal', `${PS}.ConfigVoltage`, '%.1f'),
  v('battery.voltage.nominal', 'UPS.Battery.ConfigVoltage', '%.1f'),
  v('battery.temperature', 'UPS.Battery.Temperature', '%s', 0, KELVIN_CELSIUS),
  v('battery.type', `${PS}.iDeviceChemistry`, '%s', 0, STRING_ID),
  v('ups.load', 'UPS.Output.PercentLoad', '%.0f'),
  v('ups.beeper.status', `${PS}.AudibleAlarmControl`, '%s', 0, BEEPER),
  v('ups.test.result', 'UPS.Battery.Test', '%s', 0, TEST_READ),
  v('ups.test.result', 'UPS.Output.Test', '%s', 0, TEST_READ),
  absent('ups.delay.start', 10, `${PS}.DelayBeforeStartup`, DEFAULT_ONDELAY),
  absent('ups.delay.shutdown', 10, `${PS}.DelayBeforeShutdown`, DEFAULT_OFFDELAY),
  absent('ups.delay.start', 10, 'UPS.Output.DelayBeforeStartup', DEFAULT_ONDELAY),
  absent('ups.delay.shutdown', 10, 'UPS.Output.DelayBeforeShutdown', DEFAULT_OFFDELAY),
  v('ups.timer.start', `${PS}.DelayBeforeStartup`, '%.0f', HU_QUICK_POLL),
  v('ups.timer.shutdown', `${PS}.DelayBeforeShutdown`, '%.0f', HU_QUICK_POLL),
  v('ups.timer.start', 'UPS.Output.DelayBeforeStartup', '%.0f', HU_QUICK_POLL),
  v('ups.timer.shutdown', 'UPS.Output.DelayBeforeShutdown', '%.0f', HU_QUICK_POLL),
  bool(`${PS}.PresentStatus.ACPresent`, ONLINE, HU_QUICK_POLL),
  bool(`${PS}.PresentStatus.Discharging`, DISCHARGING, HU_QUICK_POLL),
  bool(`${PS}.PresentStatus.Charging`, CHARGING, HU_QUICK_POLL),
  bool(`${PS}.PresentStatus.BelowRemainingCapacityLimit`, LOWBATT, HU_QUICK_POLL),
  bool(`${PS}.PresentStatus.ShutdownImminent`, SHUTDOWNIMM),
  bool(`${PS}.PresentStatus.Overload`, OVERLOAD),
  bool(`${PS}.PresentStatus.NeedReplacement`, REPLACEBATT),
  bool(`${PS}.PresentStatus.RemainingTimeLimitExpired`, TIMELIMITEXPIRED),
  bool(`${PS}.PresentStatus.BatteryPresent`, NOBATTERY),
  bool(`${PS}.PresentStatus.FullyCharged`, FULLYCHARGED),
  bool('UPS.Output.Boost', BOOST),
  bool('UPS.Output.Buck', TRIM),
  v('input.voltage', 'UPS.Input.Voltage', '%.1f'),
  v('input.voltage.nominal', 'UPS.Input.ConfigVoltage', '%.0f'),
  v('input.frequency', 'UPS.Input.Frequency', '%.1f'),
  f('input.transfer.low', RWS, 10, 'UPS.Input.LowVoltageTransfer', '%.0f', HU_SEMI_STATIC),
  f('input.transfer.high', RWS, 10, 'UPS.Input.HighVoltageTransfer', '%.0f', HU_SEMI_STATIC),
  f('input.transfer.low', RWS, 10, 'UPS.Output.LowVoltageTransfer', '%.0f', HU_SEMI_STATIC),
  f('input.transfer.high', RWS, 10, 'UPS.Output.HighVoltageTransfer', '%.0f', HU_SEMI_STATIC),
  v('output.voltage', 'UPS.Output.Voltage', '%.1f'),
  v('output.voltage.nominal', 'UPS.Output.ConfigVoltage', '%.0f'),
  v('output.current', 'UPS.Output.Current', '%.2f'),
  v('output.frequency', 'UPS.Output.Frequency', '%.1f'),
  ...testCmds('UPS.BatterySystem.Battery.Test'),
  ...testCmds('UPS.Battery.Test'),
  ...testCmds('UPS.Output.Test'),
  ...delayCmds(`${PS}.DelayBeforeShutdown`, `${PS}.DelayBeforeStartup`, `${PS}.DelayBeforeReboot`),
  ...delayCmds('UPS.Output.DelayBeforeShutdown', 'UPS.Output.DelayBeforeStartup', 'UPS.Output.DelayBeforeReboot'),
  ...beeperCmds(`${PS}.AudibleAlarmControl`),
];

export const genericSubdriver: Subdriver = {
  name: 'generic',
  claim: (_dev, opts) => ({ claimed: opts.explore, tweaks: {} }),
  create: () => ({
    name: 'generic HID 0.1',
    usages: [STANDARD_USAGES],
    table: GENERIC_TABLE,
    formatModel: (dev) => dev.product,
    formatMfr: (dev) => dev.vendor,
    formatSerial: (dev) => dev.serial,
    fixReportDescriptor: () => false,
  }),
};
