// Every error hardnut raises on purpose is a HardnutError with a stable `code`, so callers and
// tests branch on the code, never on the message text.

export class HardnutError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
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
  constructor(file: string, line: number, message: string, code = 'ERR_CONFIG') {
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
  constructor(message: string, code = 'ERR_DRIVER', options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
