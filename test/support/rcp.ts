/** The RCP-supported services, read here independently of the code under test. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from './paths.js';

export const RCP_SUPPORTED = new Set<string>(JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'src/reference/rcp-supported-services.json'), 'utf8')).services);
