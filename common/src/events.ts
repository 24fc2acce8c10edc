import { z } from 'zod';
import { topicFor } from './manifest.js';

/** The topic every change of a post is published to, keyed by post id (named in mesh.json). */
export const POSTS_TOPIC = topicFor('post').name;

/** Version of the envelope below; a consumer refuses versions it does not know. */
export const POST_EVENT_SCHEMA_VERSION = 1;

/** A post as the events carry it: the state right after the change. */
export const postSnapshot = z.object({
  id: z.string().min(1),
  author_id: z.string().min(1),
  title: z.string(),
  content: z.string(),
  tags: z.array(z.string()),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
  /** 1 on create, +1 on every later change: lets a consumer drop stale or repeated events. */
  version: z.number().int().positive(),
});

const envelope = {
  /** Unique per change; the same change delivered twice carries the same id. */
  id: z.uuid(),
  schema_version: z.literal(POST_EVENT_SCHEMA_VERSION),
  time: z.iso.datetime(),
  /** The user whose request made the change. */
  actor: z.string().min(1),
};

/**
 * The versioned envelope of every event on the posts topic (`POSTS_TOPIC`), shared by the
 * producer (posts-service) and the consumer (feed-service) so neither can drift.
 */
export const postEvent = z.discriminatedUnion('type', [
  z.object({ ...envelope, type: z.literal('post.created'), data: postSnapshot }),
  z.object({ ...envelope, type: z.literal('post.updated'), data: postSnapshot }),
  z.object({
    ...envelope,
    type: z.literal('post.deleted'),
    data: z.object({ id: z.string().min(1), author_id: z.string().min(1), version: z.number().int().positive() }),
  }),
]);

export type PostEvent = z.output<typeof postEvent>;
export type PostSnapshot = z.output<typeof postSnapshot>;
