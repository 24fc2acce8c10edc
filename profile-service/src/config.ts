import { identityJwksUrlSchema, producerConfigShape, serviceConfigShape, serviceManifest } from '@feedmesh/common';
import { z } from 'zod';

export const configSchema = z.object({
  ...serviceConfigShape(serviceManifest('profile-service')),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  /** This service's own PostgreSQL role's password (DATABASE_PASSWORD_FILE); the role is in the URL. */
  DATABASE_PASSWORD: z.string().min(1).optional(),
  /** Where the public keys that verify the identity the gateway forwards are (auth-service's JWKS). */
  IDENTITY_JWKS_URL: identityJwksUrlSchema,
  ...producerConfigShape('profile-service'),
});
