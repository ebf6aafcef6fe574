// upsmon's one-way framed pipe (DESIGN.md): the frame table, the codec, name rules, and the
// sequence validator the dispatcher applies. No I/O here.

export { FRAME_TYPES, NOTIFY_CODE_BASE, EXEC_SHUTDOWN_CODE, RULE_FIRE_CODE, RULE_CLEAR_CODE, frameTypeByCode, frameTypeByName } from './table.js';
export type { FrameTypeInfo, FrameTypeName, RuleFrameType } from './table.js';
export { MAX_FRAME_NAME_BYTES, frameNameProblem, isConfiguredName, isFrameNameByte } from './names.js';
export {
  STX, ETX, FRAME_OVERHEAD_BYTES, MAX_FRAME_BYTES, FrameDecoder, FrameEncodeError, decodeFrame, encodeFrame,
} from './codec.js';
export type { Frame, FrameDecodeResult, FrameError, FrameErrorCode } from './codec.js';
export { FrameSequenceValidator, MAX_SUPPLY_RULES } from './sequence.js';
export type { SequenceProblem, SupplyMonitor, SupplyRule } from './sequence.js';
