import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start a private redis-server per file and may kill /
    // restart it; give hooks and tests generous room on slow CI machines.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Child processes (redis-server) and signal handling behave most
    // predictably in forked workers. File parallelism stays at the default.
    pool: 'forks',
  },
});
