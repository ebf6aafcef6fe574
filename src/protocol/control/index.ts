export * from './codec.js';
export { SchemaError } from './schema.js';
