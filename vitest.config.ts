import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests import the shared packages from source, so unit tests need no build.
const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const alias = {
  '@feedmesh/common': source('./common/src/index.ts'),
  '@feedmesh/testkit': source('./testkit/src/index.ts'),
};
const exclude = ['**/node_modules/**', '**/dist/**'];

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: { name: 'unit', include: ['**/test/**/*.test.ts'], exclude: [...exclude, '**/*.int.test.ts'] },
      },
      {
        // Against the running native stack (stack/mesh test brings it up).
        // One file at a time: they share Consul's catalog and Traefik's routing table.
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['**/test/**/*.int.test.ts'],
          exclude,
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
