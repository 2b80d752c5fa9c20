// Run by `npm run build` after tsc: the compact index of every snapshot in the package's
// service-reference-cache/, for the loads of exactly those snapshots (src/reference/prebuilt-index.ts).
import { writePrebuiltIndexes } from '../dist/src/reference/prebuilt-index-writer.js';
import { PREBUILT_INDEX_DIR } from '../dist/src/reference/prebuilt-index.js';

await writePrebuiltIndexes('service-reference-cache', PREBUILT_INDEX_DIR);
