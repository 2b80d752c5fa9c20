import { defineConfig } from 'vitest/config';

/**
 * Files that need a module registry of their own: they mock a module (vi.mock) or an AWS SDK client
 * class (aws-sdk-client-mock patches its prototype), stub the environment, the clock or the console,
 * or spend the did-you-mean hints of the shared 2026 reference index (100 per index:
 * test/support/reference.ts loads it once per worker outside this list).
 */
const ISOLATED = [
  'test/cli/compile-once.test.ts',
  'test/intent/yaml-linear.test.ts',
  'test/org/aws-errors.test.ts',
  'test/rollout/canary.test.ts',
  'test/rollout/preflight.test.ts',
  'test/org/read.test.ts',
  'test/aws/retries.test.ts',
  'test/cli/access-analyzer.test.ts',
  'test/controls/custom-template.test.ts',
  'test/intent/intent-files.test.ts',
  'test/intent/loader.test.ts',
  'test/compile/condition-keys.test.ts',
  'test/compile/partial-reference.test.ts',
  'test/reference/reference-index.test.ts',
  'test/cli/diagnostics-output.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two workers on two cores: many suites wait on child processes (the CLI under strace, moto_server).
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: ISOLATED,
          // A worker runs its files one after another in one module registry: the sources, the
          // libraries and the reference snapshot are loaded and compiled once per worker instead of
          // once per file (about a fifth of the suite's CPU).
          isolate: false,
        },
      },
      { extends: true, test: { name: 'isolated', include: ISOLATED, isolate: true } },
    ],
  },
});
