// What usbhid-ups needs from a USB HID device, and nothing more: the report descriptor, feature
// reports read and written by ID, interrupt (Input) reports, USB string descriptors, close. Two
// implementations: node-hid (node-hid-transport.ts, real hardware) and a replay of recorded
// reports (fixture-transport.ts, tests). A device that went away raises HidUnpluggedError, which
// makes the driver reconnect (NUT: LIBUSB_ERROR_NO_DEVICE/IO/ACCESS/NOT_FOUND/BUSY); any other
// HidTransportError is a failed exchange the driver skips until the next poll (NUT: timeouts,
// pipe errors, overflows).
import { HardnutError, type ErrorCode } from '../../core/errors.js';

/** The USB identity NUT matches on (usb-common.h USBDevice_t). */
export interface HidDeviceInfo {
  vendorId: number;
  productId: number;
  vendor?: string;
  product?: string;
  serial?: string;
  /** Bus number, 3 digits as NUT prints it ("001"). */
  bus?: string;
  /** Device number on the bus, 3 digits. */
  device?: string;
}

export class HidTransportError extends HardnutError {
  constructor(message: string, code: ErrorCode = 'ERR_HID_IO') {
    super(code, message);
  }
}

/** The device is gone (unplugged, reset, taken by another driver): reconnect. */
export class HidUnpluggedError extends HidTransportError {
  constructor(message: string) {
    super(message, 'ERR_HID_UNPLUGGED');
  }
}

export interface HidTransport {
  readonly info: HidDeviceInfo;
  /** The HID report descriptor, as the device sent it. */
  reportDescriptor(): Promise<Uint8Array>;
  /** GET_REPORT(Feature, id): the report with its ID byte first; at most `length` bytes. */
  getFeatureReport(reportId: number, length: number): Promise<Uint8Array>;
  /** SET_REPORT(Feature): `bytes[0]` is the report ID. Resolves to the bytes written. */
  sendFeatureReport(bytes: Uint8Array): Promise<number>;
  /** The next Input report from the interrupt pipe, or null when none arrives within `timeoutMs`. */
  readInterrupt(timeoutMs: number): Promise<Uint8Array | null>;
  /** A USB string descriptor by index; undefined when the device or the backend has none. */
  indexedString(index: number): Promise<string | undefined>;
  close(): Promise<void>;
}

/** A device found on the bus, not yet opened. */
export interface HidCandidate {
  info: HidDeviceInfo;
  open(): Promise<HidTransport>;
}

/** Where devices come from: the USB bus (node-hid) or recorded fixtures. */
export interface HidBus {
  /** Every HID device present now. */
  enumerate(): Promise<HidCandidate[]>;
}
