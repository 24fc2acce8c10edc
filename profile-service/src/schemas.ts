import { z } from 'zod';

// Only http(s) links: a javascript: or data: URL in a profile would be handed to every browser that shows it.
const webUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
  .max(2048);

const fields = {
  display_name: z.string().trim().min(1).max(64),
  bio: z.string().max(500).nullable(),
  avatar_url: webUrl.nullable(),
  location: z.string().trim().max(100).nullable(),
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
  .refine((body) => Object.keys(body).length > 0, 'give at least one field to change');

export type CreateProfile = z.output<typeof createProfileBody>;
export type UpdateProfile = z.output<typeof updateProfileBody>;

export const userIdParam = z.uuid();
