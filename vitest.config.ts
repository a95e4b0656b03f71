import { defineConfig } from 'vitest/config';

// One project per package; tests import siblings through their `source` export condition,
// so they never wait for a build.
export default defineConfig({
  resolve: { conditions: ['source'] },
  test: {
    projects: ['packages/*'],
  },
});
