import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests import the shared package from source, so unit tests need no build.
const alias = { '@feedmesh/common': fileURLToPath(new URL('./common/src/index.ts', import.meta.url)) };
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
