import { z } from 'zod';
import {
  canonicalUserId,
  cursorParam,
  cursorValue,
  postSnapshot,
  queryInt,
  text,
  trimmedText,
  visibleText,
} from '@feedmesh/common';

// Every field is a plain string where a string belongs: an object such as
// {"$gt": ""} is a 400 here and can never reach a query.
const title = trimmedText(200);
// Not only whitespace or invisible characters; kept as written (indentation is content).
const content = visibleText(10_000);
const tags = z
  .array(trimmedText(32))
  .max(10)
  .transform((list) => [...new Set(list)]);

export const createPostBody = z.strictObject({ title, content, tags: tags.default([]) });

export const updatePostBody = z
  .strictObject({ title: title.optional(), content: content.optional(), tags: tags.optional() })
  .refine((body) => Object.keys(body).length > 0, 'give at least one field to change')
  .meta({ minProperties: 1 });

export const listPostsQuery = z.strictObject({
  limit: queryInt(1, 100, 20),
  // An offset costs reading every page before it; deeper pages follow `next` (as `before`), which costs nothing extra.
  skip: queryInt(0, 1_000, 0),
  author_id: text().min(1).max(64).transform(canonicalUserId).optional(),
  /** The `next` of the previous page, as it was given. */
  before: cursorParam.optional(),
});

/** Post ids are MongoDB ObjectIds in hex; anything else cannot name a post. */
export const postId = z.string().regex(/^[0-9a-f]{24}$/);

export type CreatePost = z.output<typeof createPostBody>;
export type UpdatePost = z.output<typeof updatePostBody>;
export type ListPosts = z.output<typeof listPostsQuery>;

export const post = postSnapshot.meta({ id: 'Post' });

export const postPage = z
  .object({
    items: z.array(post),
    limit: z.number().int(),
    skip: z.number().int(),
    count: z.number().int().min(0),
    next: cursorValue.nullable().meta({
      description: 'Opaque: pass it back as `before`, as it is, for the page after this one; null at the end',
    }),
  })
  .meta({ id: 'PostPage' });

export const postParams = z.object({ id: postId });
