import { identityJwksUrlSchema, serviceConfigShape, serviceManifest } from '@feedmesh/common';
import { z } from 'zod';

export const configSchema = z.object({
  ...serviceConfigShape(serviceManifest('profile-service')),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  /** Where the public keys that verify the identity the gateway forwards are (auth-service's JWKS). */
  IDENTITY_JWKS_URL: identityJwksUrlSchema,
});
