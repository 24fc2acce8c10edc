import {
  ApiError,
  apiRoute,
  OpenAPIHono,
  operation,
  requireIdentity,
  zodIssues,
  type IdentityJwt,
  type IdentityVariables,
} from '@feedmesh/common';
import type { Context } from 'hono';
import type { FeedStore } from './feeds.js';
import { feedPage, feedParams, feedStats, pageQuery, userIdParam } from './schemas.js';

export interface FeedRoutesDeps {
  store: FeedStore;
  identity: IdentityJwt;
  /** Consumer lag per partition, for the stats. */
  lag: () => Promise<Array<{ partition: number; lag: number }>>;
}

const unavailable = () => new ApiError(503, 'unavailable', 'the feed store is unavailable; retry shortly');

// Pages come from Redis: 503 while it is away.
const ok = { status: 200, description: 'One page of the feed, newest first', schema: feedPage } as const;
const globalFeed = apiRoute({
  method: 'get',
  path: '/',
  summary: 'Every post, newest first',
  query: pageQuery,
  ok,
  errors: [503],
});
const ownFeed = apiRoute({
  method: 'get',
  path: '/user',
  summary: "The caller's own posts",
  bearer: true,
  query: pageQuery,
  ok,
  errors: [503],
});
const userFeed = apiRoute({
  method: 'get',
  path: '/user/{userId}',
  summary: "One user's posts",
  params: feedParams,
  query: pageQuery,
  ok,
  errors: [404, 503],
});

const stats = apiRoute({
  method: 'get',
  path: '/stats',
  summary: 'Feed sizes, events applied, consumer lag',
  ok: { status: 200, description: 'The counters', schema: feedStats },
  errors: [503],
});

export function feedRoutes(deps: FeedRoutesDeps) {
  const routes = new OpenAPIHono<{ Variables: IdentityVariables }>();

  // One response shape for every page: the items and the paging fields.
  const page = async (c: Context, key: string) => {
    const q = pageQuery.safeParse(c.req.query());
    if (!q.success) throw new ApiError(400, 'validation_failed', 'query is invalid', zodIssues(q.error));
    const items = await deps.store.page(key, q.data.skip, q.data.limit).catch(() => {
      throw unavailable();
    });
    return c.json({ items, limit: q.data.limit, skip: q.data.skip, count: items.length });
  };

  operation(routes, globalFeed, (c) => page(c, deps.store.keys.global()));
  operation(routes, ownFeed, requireIdentity(deps.identity), (c) =>
    page(c, deps.store.keys.user(c.var.identity.userId)),
  );
  operation(routes, userFeed, (c) => {
    const id = userIdParam.safeParse(c.req.param('userId'));
    if (!id.success) throw new ApiError(404, 'not_found', 'no such user feed');
    return page(c, deps.store.keys.user(id.data));
  });
  operation(routes, stats, async (c) => {
    const [stats, lag] = await Promise.all([
      deps.store.stats().catch(() => {
        throw unavailable();
      }),
      deps.lag().catch(() => []),
    ]);
    return c.json({ ...stats, consumer_lag: lag });
  });

  return routes;
}
