export * from './condition-operators.js';
export * from './grammar.js';
export * from './json-source.js';
export * from './model.js';
export * from './quotas.js';
export * from './render.js';
export * from './wildcard.js';
