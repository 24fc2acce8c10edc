import { csvList, serviceConfigShape } from '@feedmesh/common';
import { z } from 'zod';

export const configSchema = z.object({
  ...serviceConfigShape({ port: 5004 }),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }),
  KAFKA_BROKERS: csvList,
});

export type Config = z.output<typeof configSchema>;
