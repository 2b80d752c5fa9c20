export * from './diagnostic.js';
export * from './suggest.js';
export * from './source-index.js';
export * from './untrusted.js';
