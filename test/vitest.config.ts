import path from 'node:path';
import { defineConfig } from 'vitest/config';

const root = path.resolve(import.meta.dirname, '..');

export default defineConfig({
  root,
  test: {
    // Unit tests sit beside their module; integration tests under test/integration.
    include: [
      'shared/**/*.test.ts',
      'electron/**/*.test.ts',
      'sandboxes/**/*.test.ts',
      'renderer/**/*.test.ts',
      'build/**/*.test.ts',
      'test/integration/**/*.test.ts',
      'test/fuzz/**/*.test.ts',
    ],
    environment: 'node',
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
