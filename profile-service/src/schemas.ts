import { canonicalUserId, text, trimmedText } from '@feedmesh/common';
import { z } from 'zod';

// Only http(s) links: a javascript: or data: URL in a profile would be handed
// to every browser that shows it. ASCII only, as URIs are: a client sends
// other characters percent-encoded (or a host in punycode).
const webUrl = z
  .string()
  .max(2048)
  .regex(/^https?:\/\/[\x21-\x7e]+$/, 'must be an http or https URL in ASCII')
  .pipe(z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }))
  .meta({ format: 'uri' });

const fields = {
  display_name: trimmedText(64),
  bio: text().max(500).nullable(),
  avatar_url: webUrl.nullable(),
  location: text().max(100).trim().nullable(),
  website: webUrl.nullable(),
};

export const createProfileBody = z.strictObject({
  display_name: fields.display_name,
  bio: fields.bio.optional(),
  avatar_url: fields.avatar_url.optional(),
  location: fields.location.optional(),
  website: fields.website.optional(),
});

/** A partial update: any subset of the fields; null clears an optional one. */
export const updateProfileBody = z
  .strictObject({
    display_name: fields.display_name.optional(),
    bio: fields.bio.optional(),
    avatar_url: fields.avatar_url.optional(),
    location: fields.location.optional(),
    website: fields.website.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'give at least one field to change')
  .meta({ minProperties: 1 });

export type CreateProfile = z.output<typeof createProfileBody>;
export type UpdateProfile = z.output<typeof updateProfileBody>;

const userIdParam = z.uuid().transform(canonicalUserId);

export const profile = z
  .object({
    user_id: z.uuid(),
    display_name: z.string(),
    bio: z.string().nullable(),
    avatar_url: z.string().nullable(),
    location: z.string().nullable(),
    website: z.string().nullable(),
    created_at: z.iso.datetime({ offset: true }),
    updated_at: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'Profile' });

export type Profile = z.output<typeof profile>;

export const profileParams = z.object({ userId: userIdParam });
