export * from './client.js';
export * from './errors.js';
export * from './findings.js';
export * from './validate-policies.js';
export * from './cross-check.js';
