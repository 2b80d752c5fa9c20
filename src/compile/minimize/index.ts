export * from './bin-pack.js';
export * from './compact-actions.js';
export * from './minimize-policy.js';
export * from './minimize-statements.js';
export * from './prove.js';
export * from './levels.js';
export * from './services-named.js';
