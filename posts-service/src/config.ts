import { csvList, identityKeySchema, serviceConfigShape, serviceManifest } from '@feedmesh/common';
import { z } from 'zod';

export const configSchema = z.object({
  ...serviceConfigShape(serviceManifest('posts-service')),
  MONGODB_URL: z.url({ protocol: /^mongodb(\+srv)?$/ }),
  MONGODB_DB: z.string().min(1).default('posts_db'),
  KAFKA_BROKERS: csvList,
  /** Verifies the identity the gateway forwards; shared by all services. */
  IDENTITY_ASSERTION_KEY: identityKeySchema,
  /** How often the relay looks for events nobody nudged it about (other instances' writes, retries). */
  RELAY_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(200),
});
