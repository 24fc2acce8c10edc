import {
  csvList,
  identitySigningKeySchema,
  producerConfigShape,
  secretSchema,
  serviceConfigShape,
  serviceManifest,
} from '@feedmesh/common';
import { z } from 'zod';

export const configSchema = z.object({
  ...serviceConfigShape(serviceManifest('auth-service')),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  /** This service's own PostgreSQL role's password (DATABASE_PASSWORD_FILE); the role is in the URL. */
  DATABASE_PASSWORD: z.string().min(1).optional(),
  /** Signs the access tokens handed to clients. */
  JWT_SECRET: secretSchema('the access-token signing secret'),
  /** Signs the short-lived identity assertions the gateway forwards to services; auth-service's alone. */
  IDENTITY_SIGNING_KEY: identitySigningKeySchema,
  /**
   * Keys that signed before a rotation, comma-separated: no longer used to sign, still served in the
   * JWKS so that assertions they signed verify until they expire (30 s).
   */
  IDENTITY_PREVIOUS_KEYS: csvList.pipe(z.array(identitySigningKeySchema)).optional(),
  TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 24 * 3600)
    .default(24 * 3600),
  /** Where revocations are published (auth-events), for what a revoked token still holds open elsewhere. */
  ...producerConfigShape('auth-service'),
});
