export * from './load.js';
export * from './types.js';

export { checkIntent, defaultType, isAcceptedKey } from './semantic/index.js';
export { tlsVersion, TLS_VERSIONS } from './semantic/controls.js';
export { CONTROL_KINDS } from './schema-check.js';
export { locateNamedFile, namedFile, type NamedFile } from './named-files.js';
export { DEFAULT_PROTECTED_ACTIONS, DEFAULT_PROTECTED_PRINCIPALS, parseDuration } from './rollout-settings.js';
export { arnRegion, REGION_KEY, regionProblem, STRING_OPERATOR } from './semantic/regions.js';
