import { identityKeySchema, serviceConfigShape, serviceManifest } from '@feedmesh/common';
import { z } from 'zod';

export const configSchema = z.object({
  ...serviceConfigShape(serviceManifest('profile-service')),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  /** Verifies the identity the gateway forwards; shared by all services. */
  IDENTITY_ASSERTION_KEY: identityKeySchema,
});
