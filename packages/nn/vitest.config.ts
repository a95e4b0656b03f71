import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['source'] },
  test: { name: 'nn', include: ['test/**/*.test.ts'] },
});
