export * from './arn.js';
export * from './authorize.js';
export * from './compiled-policy.js';
export { compileCondition, SEMANTICS, type ConditionEvaluator, type KeyTypes } from './conditions/index.js';
export { KNOWN_KEY_TYPES } from './conditions/key-types.js';
export * from './context.js';
export * from './errors.js';
export * from './request.js';
export * from './partial.js';
