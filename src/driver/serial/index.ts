// Serial port I/O for the serial drivers (nutdrv_qx, apcsmart): the port, NUT's termios read
// semantics, NUT's serial options, and the one-conversation-at-a-time lock.
export * from './serial-port.js';
export * from './tty.js';
export * from './options.js';
export * from './mutex.js';
