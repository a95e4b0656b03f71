import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['source'] },
  // Workspace siblings (@timbre/*) load from src/ too: Vite resolves a test's package imports for
  // the SSR environment with ssr.resolve.conditions; without it they come from dist/, stale or missing.
  ssr: { resolve: { conditions: ['source'] } },
  // Many genre tests train real models or read real files: a shared 2-core machine, or the scalar
  // backend, can take several seconds where an idle one takes one.
  test: { name: 'genre', include: ['test/**/*.test.ts'], testTimeout: 60_000 },
});
