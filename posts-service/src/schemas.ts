import { z } from 'zod';

// Every field is a plain string where a string belongs: an object such as
// {"$gt": ""} is a 400 here and can never reach a query.
const title = z.string().trim().min(1).max(200);
const content = z.string().min(1).max(10_000);
const tags = z
  .array(z.string().trim().min(1).max(32))
  .max(10)
  .transform((list) => [...new Set(list)]);

export const createPostBody = z.strictObject({ title, content, tags: tags.default([]) });

export const updatePostBody = z
  .strictObject({ title: title.optional(), content: content.optional(), tags: tags.optional() })
  .refine((body) => Object.keys(body).length > 0, 'give at least one field to change');

export const listPostsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  // An offset costs reading everything before it; deeper pages follow `next` (`before`), which costs nothing extra.
  skip: z.coerce.number().int().min(0).max(1_000).default(0),
  author_id: z.string().min(1).max(64).optional(),
  /** The `next` of a previous page of the same listing. */
  before: z.string().min(1).max(200).optional(),
});

/** Post ids are MongoDB ObjectIds in hex; anything else cannot name a post. */
export const postId = z.string().regex(/^[0-9a-f]{24}$/);

export type CreatePost = z.output<typeof createPostBody>;
export type UpdatePost = z.output<typeof updatePostBody>;
export type ListPosts = z.output<typeof listPostsQuery>;
