import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start real servers and processes; give them room on a 2-core CI box.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one file at a time on 2 cores (cores - 1). Most integration files
    // spend their time waiting on sshd, the Bot API emulator, wrangler or Chromium, so a second
    // file at a time cut the suite from 560 s to 336 s here, every test still passing.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
