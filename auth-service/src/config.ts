import { identityKeySchema, secretSchema, serviceConfigShape, serviceManifest } from '@feedmesh/common';
import { z } from 'zod';

export const configSchema = z.object({
  ...serviceConfigShape(serviceManifest('auth-service')),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  /** This service's own PostgreSQL role's password (DATABASE_PASSWORD_FILE); the role is in the URL. */
  DATABASE_PASSWORD: z.string().min(1).optional(),
  /** Signs the access tokens handed to clients. */
  JWT_SECRET: secretSchema('the access-token signing secret'),
  /** Signs the short-lived identity assertions the gateway forwards to services; shared by all services. */
  IDENTITY_ASSERTION_KEY: identityKeySchema,
  TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 24 * 3600)
    .default(24 * 3600),
});
