/** The real 2026-08-22 snapshot, loaded once per test file. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadFromDirectory, type LoadedSnapshot, type RawServiceFile } from '../../src/reference/index.js';
import { SNAPSHOT_2025, SNAPSHOT_2026 } from './paths.js';

let snapshot2026: Promise<LoadedSnapshot> | undefined;
let snapshot2025: Promise<LoadedSnapshot> | undefined;

export function reference2026(): Promise<LoadedSnapshot> {
  return (snapshot2026 ??= loadFromDirectory(SNAPSHOT_2026));
}

export function reference2025(): Promise<LoadedSnapshot> {
  return (snapshot2025 ??= loadFromDirectory(SNAPSHOT_2025));
}

/** A raw service file, read independently of the code under test. */
export function rawService(service: string, snapshot = SNAPSHOT_2026): RawServiceFile {
  return JSON.parse(fs.readFileSync(path.join(snapshot, 'v1', service, `${service}.json`), 'utf8')) as RawServiceFile;
}
