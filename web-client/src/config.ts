import { serviceConfigShape, serviceManifest } from '@feedmesh/common';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const configSchema = z.object({
  ...serviceConfigShape(serviceManifest('web-client')),
  /** The built page, script and style sheet (`npm run build` puts them in dist/public). */
  ASSETS_DIR: z
    .string()
    .min(1)
    .default(fileURLToPath(new URL('./public/', import.meta.url))),
});
