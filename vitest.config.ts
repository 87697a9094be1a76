import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Examples import the package by name, as users do; tests run them against the source, as tsconfig's paths do.
    alias: [
      { find: /^loyalty-cdp\/(segment|mparticle|braze|testing)$/, replacement: src('$1/index.ts') },
      { find: /^loyalty-cdp$/, replacement: src('index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    pool: 'forks',
  },
});
