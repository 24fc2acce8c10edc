import { canonicalUserId, cursorParam, cursorValue, queryInt, text, trimmedText } from '@feedmesh/common';
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
    /** Added with the follow graph: clients that do not know them ignore them. */
    followers_count: z.number().int().min(0),
    following_count: z.number().int().min(0),
  })
  .meta({ id: 'Profile' });

export type Profile = z.output<typeof profile>;

export const profileParams = z.object({ userId: userIdParam });

/** One follow, from the follower to the followee; `followed_at` is when it began. */
export const follow = z
  .object({
    follower_id: z.uuid(),
    followee_id: z.uuid(),
    followed_at: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'Follow' });

export type Follow = z.output<typeof follow>;

export const listFollowsQuery = z.strictObject({
  limit: queryInt(1, 100, 20),
  /** The `next` of the previous page, as it was given. */
  before: cursorParam.optional(),
});

export type ListFollows = z.output<typeof listFollowsQuery>;

/** One user in a list of followers or of followed users, with when that follow began. */
const followedUser = z.object({ user_id: z.uuid(), followed_at: z.iso.datetime({ offset: true }) });

export type FollowedUser = z.output<typeof followedUser>;

export const followPage = z
  .object({
    items: z.array(followedUser),
    limit: z.number().int(),
    count: z.number().int().min(0),
    next: cursorValue.nullable().meta({
      description: 'Opaque: pass it back as `before`, as it is, for the page after this one; null at the end',
    }),
  })
  .meta({ id: 'FollowPage' });
