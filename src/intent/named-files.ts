/**
 * Files a control names (`template:`, `import file:`): written relative to the intent file that declares
 * the control, and confined to that file's repository, since the pull request wrote the path. Validate's
 * check and compile's read ask the same question through here.
 */
import * as path from 'node:path';
import { locateFile, repositoryOfFile, type Located, type ReadRefusal } from '../files/index.js';
import type { Control, Intent } from './types.js';

export interface NamedFile {
  /** The path, resolved against the declaring intent file's directory. */
  path: string;
  /** The repository it must resolve inside. */
  root: string;
}

export function namedFile(intent: Intent, control: Control, relative: string): NamedFile {
  return { path: path.resolve(path.dirname(control.intentFile), relative), root: repositoryOfFile(control.intentFile, intent.workingDirectory || path.dirname(control.intentFile)) };
}

/** Whether the named file is there to read, without reading it: the refusal a read would give, or where it is. */
export function locateNamedFile(intent: Intent, control: Control, relative: string): Located | ReadRefusal {
  const f = namedFile(intent, control, relative);
  return locateFile(f.path, { root: f.root, what: 'file' });
}
