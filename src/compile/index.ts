export * from './compile.js';
export * from './expand.js';
export * from './manifest.js';
export * from './pack.js';
export * from './targets.js';
export * from './write-out.js';
export * from './minimize/index.js';
export * from './read-out.js';
