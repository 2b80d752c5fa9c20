import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED = path.resolve(PROJECT_ROOT, '..', 'shared');
export const SNAPSHOT_2026 = path.join(SHARED, 'service-reference', '2026-08-22');
export const SNAPSHOT_2025 = path.join(SHARED, 'service-reference', '2025-08-30');
export const AWS_EXAMPLES = path.join(SHARED, 'examples', 'aws-policies');
export const PREPROCESSOR_EXAMPLES = path.join(SHARED, 'examples', 'scp-preprocessor');
