export * from './from-tests.js';
export * from './generate.js';
export * from './report.js';
export * from './run.js';
export * from './scenario.js';
export * from './simulate.js';
export * from './world.js';
export * from './waivers.js';
