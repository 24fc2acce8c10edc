import { MIN_KEY_BYTES, serviceConfigShape } from '@feedmesh/common';
import { z } from 'zod';

const secret = (what: string) =>
  z
    .string({ error: `required: ${what}` })
    .refine((s) => Buffer.byteLength(s) >= MIN_KEY_BYTES, `${what} must be at least ${MIN_KEY_BYTES} bytes`);

export const configSchema = z.object({
  ...serviceConfigShape({ port: 5001 }),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  /** Signs the access tokens handed to clients. */
  JWT_SECRET: secret('the access-token signing secret'),
  /** Signs the short-lived identity assertions the gateway forwards to services; shared by all services. */
  IDENTITY_ASSERTION_KEY: secret('the identity assertion key'),
  TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(7 * 24 * 3600).default(24 * 3600),
});

export type Config = z.output<typeof configSchema>;
