// scripted-ups's device-script language: parser, matcher and engine, all sans-I/O.
export * from './types.js';
export * from './parse.js';
export * from './match.js';
export * from './engine.js';
export * from './checksum.js';
