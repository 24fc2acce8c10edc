import { ApiError, route, toScoredCursor, type Route } from '@feedmesh/common';
import type { FeedStore } from './feeds.js';
import type { LiveFeed } from './live.js';
import { feedPage, feedParams, feedStats, homePage, homeQuery, liveEvent, pageQuery } from './schemas.js';
import { liveResponse, type StreamSettings } from './streams.js';

export interface FeedRoutesDeps {
  store: FeedStore;
  live: LiveFeed;
  streams: StreamSettings;
  /** Consumer lag per partition, for the stats. */
  lag: () => Promise<Array<{ partition: number; lag: number }>>;
}

const unavailable = () => new ApiError(503, 'unavailable', 'the feed store is unavailable; retry shortly');

// Pages come from Redis: 503 while it is away.
const ok = { status: 200, description: 'One page of the feed, newest first', schema: feedPage } as const;
const paged = { query: pageQuery, ok, errors: [503] } as const;

export function feedRoutes(deps: FeedRoutesDeps): Route[] {
  // One response shape for every page: the items and the paging fields.
  const page = async (key: string, { skip, limit }: { skip: number; limit: number }) => {
    const items = await deps.store.page(key, skip, limit).catch(() => {
      throw unavailable();
    });
    return { items, limit, skip, count: items.length };
  };

  return [
    route({ method: 'get', path: '/', access: 'public', summary: 'Every post, newest first', ...paged }, async (c) =>
      c.json(await page(deps.store.keys.global(), c.req.valid('query'))),
    ),

    route({ method: 'get', path: '/user', access: 'user', summary: "The caller's own posts", ...paged }, async (c) =>
      c.json(await page(deps.store.keys.user(c.var.identity.userId), c.req.valid('query'))),
    ),

    route(
      {
        method: 'get',
        path: '/home',
        access: 'user',
        summary: "The caller's home timeline: their own posts and those of the users they follow",
        query: homeQuery,
        ok: { status: 200, description: 'One page of the home timeline, newest first', schema: homePage },
        errors: [503],
      },
      async (c) => {
        const { limit, before } = c.req.valid('query');
        const { items, next } = await deps.store.home.page(c.var.identity.userId, limit, before).catch(() => {
          throw unavailable();
        });
        return c.json({ items, limit, skip: 0, count: items.length, next: next && toScoredCursor(next) });
      },
    ),

    route(
      {
        method: 'get',
        path: '/live',
        access: 'public',
        summary: 'Every change of the global feed as it is applied, as server-sent events',
        ok: {
          status: 200,
          description:
            'An event stream (`text/event-stream`) that lasts until the client leaves: one event per change, ' +
            'comment lines as heartbeats. Send the last `id` received back as `Last-Event-ID` to resume without a ' +
            'gap or a repeat; an id older than the stream keeps gets a `reset` event (reload the page)',
          events: liveEvent,
        },
        errors: [400, 429, 503],
      },
      (c) => liveResponse(c, deps.live, deps.streams),
    ),

    route(
      {
        method: 'get',
        path: '/home/live',
        access: 'user',
        summary: "Every change of the caller's home timeline as it is applied, as server-sent events",
        ok: {
          status: 200,
          description:
            'As `/live`, for the posts of the caller and of whom they follow (follows made while it is open count at once). ' +
            'Once the token that opened it is revoked (logout, password change), a `revoked` event ends it, within a second',
          events: liveEvent,
        },
        errors: [400, 401, 429, 503],
      },
      (c) => liveResponse(c, deps.live, deps.streams, { reader: c.var.identity.userId, token: c.var.identity.token }),
    ),

    route(
      {
        method: 'get',
        path: '/user/{userId}',
        access: 'public',
        summary: "One user's posts",
        params: feedParams,
        notFound: 'no such user feed',
        ...paged,
      },
      async (c) => c.json(await page(deps.store.keys.user(c.req.valid('param').userId), c.req.valid('query'))),
    ),

    route(
      {
        method: 'get',
        path: '/stats',
        access: 'public',
        summary: 'Feed sizes, events applied, consumer lag',
        ok: { status: 200, description: 'The counters', schema: feedStats },
        errors: [503],
      },
      async (c) => {
        const [stats, lag] = await Promise.all([
          deps.store.stats().catch(() => {
            throw unavailable();
          }),
          deps.lag().catch(() => []),
        ]);
        return c.json({ ...stats, consumer_lag: lag });
      },
    ),
  ];
}
