import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['source'] },
  test: { name: 'genre', include: ['test/**/*.test.ts'] },
});
