export * from './client.js';
export * from './operations.js';
export * from './ownership.js';
export * from './read.js';
export * from './state.js';
export * from './state-file.js';
