import { defineConfig } from 'vitest/config';

// The portal's own unit tests (the root config leaves apps/portal to this one): plain server-side
// modules only; pages are covered by the browser tests.
export default defineConfig({
  test: {
    name: 'portal',
    include: ['src/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
  },
});
