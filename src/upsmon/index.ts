// upsmon's pure parts: the monitor state machine (spec §5.4–§5.7), notifications (§5.8), and
// what crosses the framed pipe. The I/O shell (network child, dispatcher) builds on these.

export { Monitor, UpsmonPowerError, HOSTSYNC_POLL_MS, LINGER_PING_MS, NOPARENT_REPEAT_SECONDS, TIMEJUMP_TOLERANCE_SECONDS, SHUTDOWN_WALL_MESSAGE } from './monitor.js';
export { STEP_KINDS } from './types.js';
export type {
  Clock, FsdResult, LogLevel, MonitorEffect, MonitorEvent, MonitorPhase, Notification, NumloginsResult, PollResult,
  StepEffect, UpsPollResult, WaitReason,
} from './types.js';
export { needsAlarmQuery, isEcoBuzzword } from './ups-state.js';
export type { UpsState, StatusFlags } from './ups-state.js';
export {
  DEFAULT_NOTIFY_MESSAGES, MAX_NOTIFY_MESSAGE_LEN, SYSTEM_NOTIFY_TYPES, formatNotifyMessage, notifyDeliveries, notifyTemplate,
} from './notify-messages.js';
export type { NotifyDeliveries } from './notify-messages.js';
export { frameOf } from './frames.js';
