export { SETTINGS_FILE, type SettingsMerge } from './editor-settings.js';
export { CONTROLS_FILE, INTENT_FILES, ORGANIZATION_FILE, SNAPSHOT_FILE } from './intent-files.js';
export { SCHEMA_ID } from './package-files.js';
export { REFERENCE_DIR } from './reference-copy.js';
export { planScaffold, type Scaffold, type ScaffoldInput } from './scaffold.js';
export { NOTIFY_WORKFLOW, PULL_REQUEST_WORKFLOW } from './workflows.js';
export { existingPaths, writeScaffold, type ScaffoldResult } from './write-scaffold.js';
