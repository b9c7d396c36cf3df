/**
 * The contract of the admin API, shared by the server and the CLI: the
 * request and answer schemas, the route table, the closed set of error codes
 * with their statuses, and the OpenAPI document generated from them.
 */
export * from './errors.js';
export * from './json-schema.js';
export * from './openapi.js';
export * from './routes.js';
export * from './schemas.js';
