/**
 * What loading a command costs before it does anything: diff and plan on a snapshot file never call
 * AWS nor render notify's templates, so they load neither the AWS SDK (about a tenth of a second of
 * CPU) nor handlebars. Read off a separate process (dist/, as `npm test` builds it first) that imports
 * the command's module and lists the CommonJS modules Node loaded.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/paths.js';

function loadedBy(commandModule: string): string[] {
  const url = new URL(`file://${path.join(PROJECT_ROOT, 'dist', 'src', 'cli', commandModule)}`).href;
  const probe = `import { createRequire } from 'node:module'; await import(${JSON.stringify(url)}); console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: PROJECT_ROOT, encoding: 'utf8' })) as string[];
}

const sdk = (files: string[]) => files.filter((f) => f.includes(`${path.sep}@aws-sdk${path.sep}`));
const handlebars = (files: string[]) => files.filter((f) => f.includes(`${path.sep}handlebars${path.sep}`));

describe('the modules a command loads', () => {
  it.each(['diff.js', 'plan.js'])('%s loads neither the AWS SDK nor handlebars', (command) => {
    const files = loadedBy(command);
    expect(files.length).toBeGreaterThan(0);
    expect(sdk(files)).toEqual([]);
    expect(handlebars(files)).toEqual([]);
  });

  it('the probe sees both where a command does load them (rollout, notify)', () => {
    expect(sdk(loadedBy('rollout.js')).length).toBeGreaterThan(0);
    expect(handlebars(loadedBy('notify.js')).length).toBeGreaterThan(0);
  });
});
