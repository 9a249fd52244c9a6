// Root test configuration: one vitest run covers every package, app and example.
// Workspace packages resolve to their TypeScript sources, so tests never need a build.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { SummaryReporter } from './tooling/vitest/summary-reporter.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const pkg = (name: string) => here(`./packages/${name}/src/index.ts`);

const alias = {
  '@curio/kernel': pkg('kernel'),
  '@curio/sync': pkg('sync'),
  '@curio/net': pkg('net'),
  '@curio/ssl': pkg('ssl'),
  '@curio/subprocess': pkg('subprocess'),
  '@curio/workers': pkg('workers'),
  '@curio/monitor': pkg('monitor'),
  curio: pkg('curio'),
};

const project = (name: string, root: string) => ({
  resolve: { alias },
  test: {
    name,
    root: here(root),
    include: ['test/**/*.test.ts'],
    setupFiles: [here('./tooling/vitest/leak-check.ts')],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});

export default defineConfig({
  test: {
    projects: [
      project('kernel', './packages/kernel'),
      project('sync', './packages/sync'),
      project('net', './packages/net'),
      project('ssl', './packages/ssl'),
      project('subprocess', './packages/subprocess'),
      project('workers', './packages/workers'),
      project('monitor', './packages/monitor'),
      project('curio', './packages/curio'),
      project('echo-server', './apps/echo-server'),
      project('chat-server', './apps/chat-server'),
      project('examples', './examples'),
      project('tooling', './tooling/checks'),
    ],
    passWithNoTests: true,
    // vitest's own summary, then one plain `tests: N passed, N failed, N skipped` line for CI.
    reporters: ['default', new SummaryReporter()],
  },
});
