export * from './diagnostic.js';
export * from './suggest.js';
