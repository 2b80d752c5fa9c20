export * from './diff-markdown.js';
export { nothingAllowed } from './diff-markdown-review.js';
export * from './diff-text.js';
export * from './plan-text.js';
export * from './notify-render.js';
export * from './notify-view.js';
export * from './rollout-text.js';
export * from './explain-text.js';
export * from './tree-drift-text.js';
