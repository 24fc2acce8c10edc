import { MIN_KEY_BYTES, serviceConfigShape } from '@feedmesh/common';
import { z } from 'zod';

export const configSchema = z.object({
  ...serviceConfigShape({ port: 5002 }),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  /** Verifies the identity the gateway forwards; shared by all services. */
  IDENTITY_ASSERTION_KEY: z
    .string({ error: 'required: the identity assertion key' })
    .refine((s) => Buffer.byteLength(s) >= MIN_KEY_BYTES, `must be at least ${MIN_KEY_BYTES} bytes`),
});

export type Config = z.output<typeof configSchema>;
