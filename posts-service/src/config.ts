import { csvList, serviceConfigShape } from '@feedmesh/common';
import { z } from 'zod';

export const configSchema = z.object({
  ...serviceConfigShape({ port: 5003 }),
  MONGODB_URL: z.url({ protocol: /^mongodb(\+srv)?$/ }),
  MONGODB_DB: z.string().min(1).default('posts_db'),
  KAFKA_BROKERS: csvList,
});

export type Config = z.output<typeof configSchema>;
