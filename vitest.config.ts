import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // Pulumi mock runs and embedded PostgreSQL start-ups are slow on 2 cores.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // One embedded PostgreSQL shared by the API test files (each creates its own database).
    // The infra tests' rendered stacks, shared by their files for one run (tests/support/rendered.ts).
    globalSetup: ["tests/api/global-setup.ts", "tests/support/render-cache.ts"],
    coverage: {
      provider: "v8",
      include: ["api/**", "infra/**", "policies/**", "tools/**"],
      reporter: ["text-summary", "lcov"],
    },
  },
});
