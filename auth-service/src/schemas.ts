import { visibleText } from '@feedmesh/common';
import { z } from 'zod';

/** Addresses compare case-insensitively everywhere, so they are stored lower-cased. */
const email = z
  .string()
  .max(254)
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.email({ error: 'must be a valid email address' }))
  // What is accepted after trimming and lower-casing, for clients and fuzzers.
  .meta({ pattern: z.regexes.email.source });

/**
 * Long enough to resist guessing, bounded so hashing cost stays bounded, and
 * not eight spaces (nor only invisible characters). Kept as typed, never trimmed.
 */
const password = visibleText(256).min(8, 'must be at least 8 characters');

export const registerBody = z.strictObject({
  email,
  username: z
    .string()
    .min(3)
    .max(32)
    .regex(/^[A-Za-z0-9_.-]+$/, 'may contain only letters, digits, "_", "." and "-"'),
  password,
});

export const passwordChangeBody = z.strictObject({
  // As at login: no minimum, so an old short password gets the generic 401.
  current_password: z.string().min(1).max(256),
  new_password: password,
});

export const loginBody = z.strictObject({
  email,
  // No minimum here: an old short password must get the generic 401, not a hint.
  password: z.string().min(1).max(256),
});

export const user = z
  .object({ id: z.uuid(), email: z.string(), username: z.string(), created_at: z.iso.datetime({ offset: true }) })
  .meta({ id: 'User' });

export type User = z.output<typeof user>;

export const tokenResponse = z
  .object({ access_token: z.string(), token_type: z.literal('bearer'), expires_in: z.number().int().positive() })
  .meta({ id: 'Token' });

/** RFC 7517's key set, as served: Ed25519 public keys (RFC 8037), each named by its thumbprint. */
export const jwks = z
  .object({
    keys: z.array(
      z.object({
        kty: z.literal('OKP'),
        crv: z.literal('Ed25519'),
        x: z.string(),
        kid: z.string(),
        alg: z.literal('EdDSA'),
        use: z.literal('sig'),
      }),
    ),
  })
  .meta({ id: 'JsonWebKeySet' });
