// USB HID Power Device codecs (§10.3): report descriptor parser, report field access, NUT's paths.
export * from './errors.js';
export * from './descriptor.js';
export * from './report.js';
export * from './usages.js';
