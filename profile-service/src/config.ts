import { identityKeySchema, serviceConfigShape, serviceManifest } from '@feedmesh/common';
import { z } from 'zod';

export const configSchema = z.object({
  ...serviceConfigShape(serviceManifest('profile-service')),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  /** This service's own PostgreSQL role's password (DATABASE_PASSWORD_FILE); the role is in the URL. */
  DATABASE_PASSWORD: z.string().min(1).optional(),
  /** Verifies the identity the gateway forwards; shared by all services. */
  IDENTITY_ASSERTION_KEY: identityKeySchema,
});
