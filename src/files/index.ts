export * from './limits.js';
export * from './read.js';
export * from './repository.js';
