// The errors the HID codecs raise. A report descriptor and every report come from a device we do
// not control (a broken firmware, a malicious USB gadget), so each limit has its own code.
import { HardnutError } from '../../core/errors.js';

export type HidErrorCode =
  | 'ERR_HID_TRUNCATED'
  | 'ERR_HID_TOO_LONG'
  | 'ERR_HID_TOO_MANY_FIELDS'
  | 'ERR_HID_TOO_MANY_USAGES'
  | 'ERR_HID_COLLECTION_DEPTH'
  | 'ERR_HID_UNBALANCED'
  | 'ERR_HID_STACK'
  | 'ERR_HID_REPORT_ID'
  | 'ERR_HID_REPORT_TOO_BIG'
  | 'ERR_HID_FIELD_SIZE'
  | 'ERR_HID_NO_FIELDS'
  | 'ERR_HID_PATH';

/** A report descriptor, a report or a path that hardnut refuses to interpret. */
export class HidError extends HardnutError {
  constructor(code: HidErrorCode, message: string) {
    super(code, message);
  }
}
