import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two workers on two cores: many suites wait on child processes (the CLI under strace, moto_server).
    maxWorkers: 2,
  },
});
