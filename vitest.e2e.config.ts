import { defineConfig } from 'vitest/config';

// End-to-end tests: they need Debian's chromium (pages rendered in a real browser)
// and texlive-latex-base (pdflatex), which .ci/run installs before running them.
export default defineConfig({
  test: {
    include: ['test-e2e/**/*.test.ts'],
    testTimeout: 240_000,
    hookTimeout: 240_000,
    fileParallelism: false,
  },
});
