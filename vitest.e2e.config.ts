import { defineConfig } from 'vitest/config';

// End-to-end: builds the generated Dockerfiles with podman and boots them (npm run test:e2e; root only).
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    globalSetup: ['e2e/global-setup.ts'],
    pool: 'forks',
    // One machine at a time: the figures (build, boot, memory) are meant for a quiet 2-core host.
    fileParallelism: false,
    // A cold image build (apt + npm install of Paperclip and Claude Code) takes about 5 minutes.
    testTimeout: 15 * 60_000,
    hookTimeout: 5 * 60_000,
    // Progress lines from the steps are the point of watching this suite run.
    silent: false,
    reporters: ['verbose'],
  },
});
