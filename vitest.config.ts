import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each worker's temporary folders live under one folder that is removed afterwards.
    setupFiles: ['test/setup.ts'],
    // Builds (or finds cached) the real tailscale the CLI test checks start.sh against.
    globalSetup: ['test/global-setup.ts'],
    // yeoman-test changes the working directory, which worker threads cannot do.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
