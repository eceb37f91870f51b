// One vitest run for the whole workspace: unit tests beside the code in each
// package, cross-package and property suites in test/. Sibling packages
// resolve to their TypeScript sources through the `@tributary/source` export
// condition, so no build is needed before testing.
import { defineConfig } from 'vitest/config';

const shared = {
  resolve: { conditions: ['@tributary/source'] },
  ssr: { resolve: { conditions: ['@tributary/source'] } },
};

export default defineConfig({
  test: {
    reporters: ['default', './scripts/summary-reporter.mjs'],
    projects: [
      { ...shared, test: { name: 'core', include: ['packages/core/src/**/*.test.ts'], typecheck: { enabled: false } } },
      { ...shared, test: { name: 'connectors', include: ['packages/connectors/src/**/*.test.ts'] } },
      { ...shared, test: { name: 'pipelines', include: ['packages/pipelines/src/**/*.test.ts'] } },
      { ...shared, test: { name: 'examples', include: ['packages/examples/src/**/*.test.ts'] } },
      { ...shared, test: { name: 'benchmarks', include: ['benchmarks/src/**/*.test.ts'] } },
      { ...shared, test: { name: 'integration', include: ['test/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 } },
    ],
  },
});
