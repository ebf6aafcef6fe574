// upsmon's pure parts: the monitor state machine (spec §5.4–§5.7), notifications (§5.8), and
// what crosses the framed pipe. The I/O shell (network child, dispatcher) builds on these.

export { Monitor, UpsmonPowerError, HOSTSYNC_POLL_MS, LINGER_PING_MS, NOPARENT_REPEAT_SECONDS, TIMEJUMP_TOLERANCE_SECONDS } from './monitor/monitor.js';
export { SHUTDOWN_WALL_MESSAGE } from './shared/notify-messages.js';
export { STEP_KINDS } from './shared/types.js';
export type {
  Clock, FsdResult, LogLevel, MonitorEffect, MonitorEvent, MonitorPhase, Notification, NumloginsResult, PollResult,
  StepEffect, UpsPollResult, WaitReason,
} from './shared/types.js';
export { needsAlarmQuery, isEcoBuzzword } from './monitor/ups-state.js';
export type { UpsState, StatusFlags } from './monitor/ups-state.js';
export {
  DEFAULT_NOTIFY_MESSAGES, MAX_NOTIFY_MESSAGE_LEN, SYSTEM_NOTIFY_TYPES, formatNotifyMessage, notifyDeliveries, notifyTemplate,
} from './shared/notify-messages.js';
export type { NotifyDeliveries } from './shared/notify-messages.js';
export { frameOf } from './monitor/frames.js';
