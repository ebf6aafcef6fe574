// Every error hardnut raises on purpose is a HardnutError with a stable `code`, so callers and
// tests branch on the code, never on the message text. The codes are this one registry (undici's
// pattern): a code not listed here does not compile. NUT's own wire error words (ACCESS-DENIED,
// DATA-STALE, … spec §2.4) are not hardnut's codes: a server's ERR reply is one code here,
// ERR_NUT_REPLY, and its word travels apart (NutError.word in src/protocol/net/client-errors.ts).

/** Every hardnut error code, with what it means. */
export const ERROR_CODES = {
  // command line and configuration
  ERR_USAGE: 'bad command line: the tool prints the message and exits 2',
  ERR_CONFIG: 'a config file is unusable (file:line in the message)',
  ERR_CONFIG_ACCESS: 'a config file cannot be read by the user that must read it',
  ERR_CONFIG_DIR: 'the config directory is missing or not a directory',
  ERR_CONFIG_MISSING: 'a required config file is missing',
  ERR_CONFIG_NOT_FILE: 'a config path is not a regular file',
  ERR_CONFIG_TOO_LARGE: 'a config file is larger than any real one',
  ERR_CONFIG_DRIVER_VAR: 'ups.conf gives a driver a variable it does not take',
  ERR_STATE_DIR: 'the state directory is missing or not writable by the daemon\'s user',
  ERR_UNSAFE_FILE: 'a pid or flag file is a symlink, FIFO or other non-regular file',
  ERR_UNSAFE_PATH: 'a file or socket exists but is not what it must be (a symlink, wrong owner or type)',
  ERR_NO_USER: 'the account a daemon must run as does not exist',
  ERR_NO_UPS: 'upsd has no UPS to serve',
  // confinement
  ERR_ROLE: 'a process asked for a role the role table does not have',
  ERR_CHDIR: 'a daemon cannot enter its state directory',
  ERR_PRIVILEGE: 'the privilege drop failed or root could be regained',
  ERR_SECCOMP: 'the seccomp filter could not be built or loaded',
  ERR_RLIMIT: 'a resource limit could not be set',
  ERR_LIBC: 'a libc call made through koffi failed',
  ERR_JAIL: 'the chroot jail directory is unsafe',
  ERR_INITCTL: 'init\'s control FIFO could not be opened or written',
  ERR_INTENT_KEY: 'the shutdown intent key could not be loaded',
  ERR_INTENT_TIME: 'a shutdown intent carries an impossible time',
  ERR_INTENT_VERB: 'a shutdown intent names an unknown action',
  ERR_SHUTDOWN: 'the shutdown could not be handed over',
  ERR_SHUTDOWN_METHOD: 'no usable shutdown method is configured',
  ERR_SHUTDOWN_NOT_INSTALLED: 'the shutdown helper, socket or intent key upsmon.conf names is not on this host',
  ERR_KILLPOWER_FORMAT: 'a killpower flag is malformed (or an unsigned NUT flag)',
  ERR_KILLPOWER_SIGNATURE: 'a killpower flag\'s signature does not verify (forged, or another key)',
  ERR_KILLPOWER_BOOT: 'a killpower flag was written in another boot, or before this one',
  ERR_KILLPOWER_UPS: 'a killpower flag names a UPS the late-shutdown snapshot does not hold',
  ERR_KILLPOWER_KEY: 'the killpower signing or verify key is unusable',
  ERR_KILLPOWER_SNAPSHOT: 'the late-shutdown snapshot on /run is missing or unusable',
  // drivers
  ERR_DRIVER: 'a driver cannot start or keep running',
  ERR_NO_SHUTDOWN: 'the driver cannot shut the UPS down (-k)',
  ERR_IGNORELB: 'ignorelb is set but no battery charge or runtime is known',
  ERR_SOCKET_PATH: 'the driver socket path is too long for a Unix socket',
  ERR_SOCK_ENCODE: 'a driver-socket line could not be encoded (bad name or value)',
  ERR_DATA_FILE: 'dummy-ups cannot read its .dev/.seq file',
  ERR_UPS_SPEC: 'an upsname[@host[:port]] is malformed',
  ERR_REPEATER_START: 'dummy-ups in repeater mode cannot reach its upsd',
  ERR_SERIAL: 'a serial port operation failed',
  ERR_SERIAL_OPEN: 'the serial port cannot be opened',
  ERR_SERIAL_LINES: 'DTR/RTS cannot be set on the serial port',
  ERR_SERIAL_LOST: 'the serial port went away',
  ERR_SERIAL_WRITE: 'writing to the serial port failed',
  ERR_APC_CLOSED: 'apcsmart: the port is not open',
  ERR_APC_DETECT: 'apcsmart: no APC Smart UPS answers on the port',
  ERR_APC_INIT: 'apcsmart: the UPS did not complete initialisation',
  ERR_QX_BATTERY: 'nutdrv_qx: battery values cannot be guessed',
  ERR_QX_INIT: 'nutdrv_qx: the UPS did not answer initialisation',
  ERR_QX_PROTOCOL: 'nutdrv_qx: no known Q1-family protocol answers',
  ERR_QX_SHUTDOWN: 'nutdrv_qx: the shutdown command failed',
  ERR_QX_UNSUPPORTED: 'nutdrv_qx: the requested protocol or feature is not built',
  ERR_QX_USB: 'nutdrv_qx: USB transport requested (not built)',
  ERR_SCRIPT: 'scripted-ups: the device script is unusable (file:line in the message)',
  ERR_SCRIPT_INIT: 'scripted-ups: the device did not complete the script\'s init block',
  ERR_SCRIPT_SHUTDOWN: 'scripted-ups: the script\'s shutdown block failed',
  ERR_HID_BACKEND: 'usbhid-ups: node-hid/libusb cannot be loaded',
  ERR_HID_INIT: 'usbhid-ups: the device did not initialise',
  ERR_HID_IO: 'usbhid-ups: a HID read or write failed',
  ERR_HID_NO_FIELDS: 'usbhid-ups: the report descriptor has no usable field',
  ERR_HID_NO_UPS: 'usbhid-ups: no matching HID UPS',
  ERR_HID_SHUTDOWN: 'usbhid-ups: the shutdown command failed',
  ERR_HID_STATE: 'usbhid-ups: used before it was opened',
  ERR_HID_UNPLUGGED: 'usbhid-ups: the device was unplugged',
  ERR_HID_COLLECTION_DEPTH: 'HID descriptor: collections nested too deep',
  ERR_HID_FIELD_SIZE: 'HID report: a field is larger than allowed',
  ERR_HID_PATH: 'HID usage path too long',
  ERR_HID_REPORT_ID: 'HID descriptor: a report id out of range',
  ERR_HID_REPORT_TOO_BIG: 'HID report larger than allowed',
  ERR_HID_STACK: 'HID descriptor: PUSH/POP too deep or unbalanced',
  ERR_HID_TOO_LONG: 'HID descriptor longer than allowed',
  ERR_HID_TOO_MANY_FIELDS: 'HID descriptor: too many fields',
  ERR_HID_TOO_MANY_USAGES: 'HID descriptor: too many usages',
  ERR_HID_TRUNCATED: 'HID descriptor ends inside an item',
  ERR_HID_UNBALANCED: 'HID descriptor: collections not closed',
  ERR_SNMP_HOST: 'snmp-ups: the agent address is malformed',
  ERR_SNMP_LISTED: 'snmp-ups: the MIB mappings were listed (not a failure of the UPS)',
  ERR_SNMP_MIB: 'snmp-ups: no MIB mapping matches the agent',
  ERR_SNMP_SHUTDOWN: 'snmp-ups: the shutdown command failed',
  ERR_SNMP_STATE: 'snmp-ups: used before it was initialised',
  ERR_SNMP_TIMEOUT: 'snmp-ups: the agent did not answer',
  // upsd and the network client
  ERR_LISTEN: 'upsd cannot listen on an address',
  ERR_TLS_CONFIG: 'upsd\'s certificate or key is unusable',
  ERR_NUT_REPLY: 'upsd answered ERR <word>: the word is NutError.word, NUT\'s own vocabulary',
  ERR_PROTOCOL: 'the server said something a client cannot make sense of',
  ERR_PARSE: 'a server line the tokenizer rejects',
  ERR_REPLY_TOO_LONG: 'a server line longer than allowed',
  ERR_LIST_TOO_LONG: 'a server list longer than allowed',
  ERR_BAD_REQUEST: 'a request that could not arrive intact is not sent',
  ERR_CONNECT: 'connecting to upsd failed',
  ERR_DISCONNECTED: 'the connection to upsd was lost',
  ERR_NO_SUCH_HOST: 'a host name does not resolve',
  ERR_CLOSED: 'the connection was closed by this side',
  ERR_NOT_CONNECTED: 'a request on a connection not yet (re)established',
  ERR_QUEUE_FULL: 'too many requests waiting on one connection',
  ERR_READ: 'reading from the server failed',
  ERR_WRITE: 'writing to the server failed',
  ERR_TIMEOUT: 'the server did not answer in time',
  ERR_TLS: 'the TLS handshake or certificate check failed',
  ERR_TLS_UNAVAILABLE: 'the server does not offer STARTTLS',
  ERR_TRACKING_TIMEOUT: 'an instant command or SET was not confirmed in time',
  // tools, upsmon, upssched
  ERR_INTERRUPTED: 'the user interrupted a prompt',
  ERR_NO_TERMINAL: 'a prompt needs a terminal and there is none',
  ERR_STDIN_CLOSED: 'standard input closed during a prompt',
  ERR_UPSMON_POWER: 'MONITOR power values add up to less than MINSUPPLIES',
  ERR_IPC_GUARD: 'upsmon\'s supervisor cannot bound the IPC channel from its jailed child',
  ERR_NOTIFY_FRAME: 'a framed-pipe notification is malformed',
  ERR_UPSSCHED_DAEMON: 'the upssched timer daemon cannot be started or reached',
  ERR_UPSSCHED_LINE_TOO_LONG: 'a upssched socket line longer than allowed',
  ERR_UPSSCHED_PARSE: 'a upssched socket request is malformed',
  ERR_UPSSCHED_REPLY: 'a upssched socket reply is malformed',
  ERR_RULES: 'upsrules.conf is unusable (file:line in the message)',
  ERR_RULES_TRACE: 'a trace given to `hardnut rules test` is unusable',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class HardnutError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad command line: the tool prints the message and exits 2. */
export class UsageError extends HardnutError {
  constructor(message: string) {
    super('ERR_USAGE', message);
  }
}

/** A config file is unusable. `file:line: message` is what the user sees. */
export class ConfigError extends HardnutError {
  readonly file: string;
  readonly line: number;
  constructor(file: string, line: number, message: string, code: ErrorCode = 'ERR_CONFIG') {
    super(code, line > 0 ? `${file}:${line}: ${message}` : `${file}: ${message}`);
    this.file = file;
    this.line = line;
  }
}

/** A file or socket exists but is not what it must be (a symlink where a socket belongs…). */
export class UnsafePathError extends HardnutError {
  readonly path: string;
  constructor(path: string, message: string) {
    super('ERR_UNSAFE_PATH', `${path}: ${message}`);
    this.path = path;
  }
}

/** A driver cannot start or keep running. */
export class DriverError extends HardnutError {
  constructor(message: string, code: ErrorCode = 'ERR_DRIVER', options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
