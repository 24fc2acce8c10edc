import { identityJwksUrlSchema, producerConfigShape, serviceConfigShape, serviceManifest } from '@feedmesh/common';
import { z } from 'zod';

export const configSchema = z.object({
  ...serviceConfigShape(serviceManifest('posts-service')),
  /** The MongoDB-protocol server, naming this service's user (its password apart, below). */
  MONGODB_URL: z.url({ protocol: /^mongodb(\+srv)?$/ }),
  /** Its password (or MONGODB_PASSWORD_FILE): on FerretDB, that of this service's PostgreSQL role. */
  MONGODB_PASSWORD: z.string().min(1).optional(),
  MONGODB_DB: z.string().min(1).default('posts_db'),
  /** Where the public keys that verify the identity the gateway forwards are (auth-service's JWKS). */
  IDENTITY_JWKS_URL: identityJwksUrlSchema,
  /** Least time between two inserts of creates, so that under load creates share one (store.ts). */
  CREATE_LINGER_MS: z.coerce.number().int().min(0).max(1_000).default(30),
  ...producerConfigShape('posts-service'),
});
