import { identityJwksUrlSchema, kafkaConfigShape, serviceConfigShape, serviceManifest } from '@feedmesh/common';
import { z } from 'zod';

export const configSchema = z.object({
  ...serviceConfigShape(serviceManifest('posts-service')),
  /** The MongoDB-protocol server, naming this service's user (its password apart, below). */
  MONGODB_URL: z.url({ protocol: /^mongodb(\+srv)?$/ }),
  /** Its password (or MONGODB_PASSWORD_FILE): on FerretDB, that of this service's PostgreSQL role. */
  MONGODB_PASSWORD: z.string().min(1).optional(),
  MONGODB_DB: z.string().min(1).default('posts_db'),
  ...kafkaConfigShape('posts-service'),
  /** Where the public keys that verify the identity the gateway forwards are (auth-service's JWKS). */
  IDENTITY_JWKS_URL: identityJwksUrlSchema,
  /** Least time between two inserts of creates, so that under load creates share one (store.ts). */
  CREATE_LINGER_MS: z.coerce.number().int().min(0).max(1_000).default(20),
  /** How often this instance writes its outbox checkpoint (how far its commits are published) and heartbeat. */
  OUTBOX_CHECKPOINT_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
  /** Least time between two Kafka requests of the outbox, so that under load events go out together (outbox-publisher.ts). */
  OUTBOX_LINGER_MS: z.coerce.number().int().min(0).max(1_000).default(20),
  /** An instance whose checkpoint is older than this is dead: the leader publishes what it left. */
  OUTBOX_DEAD_AFTER_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(15_000),
});
