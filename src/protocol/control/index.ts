export * from './codec.js';
export { SchemaError } from './schema.js';
export * from './inbox.js';
