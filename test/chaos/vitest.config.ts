// `npm run test:chaos`: the full crash test with fresh seeds, kept out of `npm test` (which runs
// test/**/*.test.ts, the short crash test with fixed seeds among them) because it takes
// minutes. Chaos files are named *.chaos.ts.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    include: ["test/chaos/**/*.chaos.ts"],
    // The PostgreSQL server of the two-instance run (test/support/postgres.ts).
    globalSetup: ["test/support/postgres-server.ts"],
    testTimeout: 10 * 60_000,
    hookTimeout: 60_000,
  },
});
