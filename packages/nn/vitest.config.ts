import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['source'] },
  // Workspace siblings (@timbre/*) load from src/ too: Vite resolves a test's package imports for
  // the SSR environment with ssr.resolve.conditions; without it they come from dist/, stale or missing.
  ssr: { resolve: { conditions: ['source'] } },
  test: { name: 'nn', include: ['test/**/*.test.ts'] },
});
