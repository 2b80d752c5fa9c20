export * from './compare.js';
export * from './impact.js';
export * from './notify.js';
export * from './inputs.js';
