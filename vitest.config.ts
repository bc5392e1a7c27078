import { defineConfig } from 'vitest/config';

// Unit and integration tests: everything under test/, nothing that needs a browser
// or LaTeX (those will live in `npm run test:e2e`).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
