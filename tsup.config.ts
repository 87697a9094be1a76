import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    segment: 'src/segment/index.ts',
    mparticle: 'src/mparticle/index.ts',
    braze: 'src/braze/index.ts',
    testing: 'src/testing/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  splitting: true,
  // ky, p-retry and p-queue ship ESM only; bundling them keeps `require('loyalty-cdp')` working on Node 20.
  noExternal: ['ky', 'p-retry', 'p-queue', 'is-network-error', 'eventemitter3', 'p-timeout'],
  external: ['zod', 'msw'],
});
