import { z } from 'zod';
import { canonicalUserId, postSnapshot, queryInt, scoredCursorParam, scoredCursorValue } from '@feedmesh/common';

/** Paging of every feed: `limit` 1–100 (default 20), `skip` inside the kept window. */
export const pageQuery = z.strictObject({
  limit: queryInt(1, 100, 20),
  skip: queryInt(0, 100_000, 0),
});

const userIdParam = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/)
  .transform(canonicalUserId);

const feedItem = postSnapshot.meta({ id: 'FeedItem' });

export const feedPage = z
  .object({ items: z.array(feedItem), limit: z.number().int(), skip: z.number().int(), count: z.number().int().min(0) })
  .meta({ id: 'FeedPage' });

export const feedParams = z.object({ userId: userIdParam });

/** Paging of a home timeline: by cursor only, since posts keep arriving above the reader. */
export const homeQuery = z.strictObject({
  limit: queryInt(1, 100, 20),
  /** The `next` of the previous page, as it was given. */
  before: scoredCursorParam.optional(),
});

/** A feed's page, and where the next one starts; `skip` is always 0 here. */
export const homePage = feedPage
  .extend({
    next: scoredCursorValue.nullable().meta({
      description: 'Opaque: pass it back as `before`, as it is, for the page after this one; null at the end',
    }),
  })
  .meta({ id: 'HomePage' });

export const feedStats = z
  .object({
    global_length: z.number().int().min(0),
    events_applied: z.number().int().min(0),
    duplicates_skipped: z.number().int().min(0),
    dead_lettered: z.number().int().min(0),
    last_event_at: z.string().nullable(),
    consumer_lag: z.array(z.object({ partition: z.number().int(), lag: z.number().int() })),
  })
  .meta({ id: 'FeedStats' });

/**
 * One server-sent event of a live stream, as its fields: `id` (send it back as
 * `Last-Event-ID` to resume just after it), `event` (the change's type, or
 * `reset` when the stream can no longer resume from the id given,
 * `shutdown` when this instance goes: reconnect, or `revoked`, last, when the
 * token that opened a home stream is revoked), and `data`, the JSON below.
 */
export const liveEvent = z
  .object({
    id: z
      .string()
      .meta({ description: 'Where the change stands in the stream (`<ms>-<seq>`); absent on reset and shutdown' }),
    event: z.enum(['post.created', 'post.updated', 'post.deleted', 'reset', 'shutdown', 'revoked']),
    data: z.union([
      feedItem,
      z.object({ id: z.string(), author_id: z.string() }).meta({ description: 'post.deleted: which post is gone' }),
      z
        .object({ reason: z.string() })
        .meta({ description: 'reset: why the client should reload; revoked: why the stream ended (sign in again)' }),
    ]),
  })
  .meta({ id: 'LiveEvent' });
