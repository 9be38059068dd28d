import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string): string => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

// Tests import the packages' TypeScript sources; only the spawn suites run the built `dist/` bins,
// which `npm test` builds first (`pretest`).
const alias = {
  '@wxlogin/core': src('core'),
  '@wxlogin/simulator': src('simulator'),
  '@wxlogin/server': src('server'),
};

export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          // Inline projects do not inherit the root's test options: the timeouts are set here again.
          testTimeout: 20_000,
          hookTimeout: 30_000,
          include: ['packages/*/test/**/*.test.ts'],
          exclude: ['**/*.spawn.test.ts', '**/node_modules/**'],
        },
      },
      {
        // Suites that start real processes run on their own, one file at a time, after the rest.
        resolve: { alias },
        test: {
          name: 'spawn',
          include: ['packages/*/test/**/*.spawn.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
