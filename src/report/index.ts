export * from './diff-markdown.js';
export * from './diff-text.js';
export * from './plan-text.js';
