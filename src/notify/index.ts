export * from './compare.js';
export * from './impact.js';
export * from './notify.js';
export * from './inputs.js';
export * from './proximity.js';
export * from './docs-link.js';
export * from './reported.js';
