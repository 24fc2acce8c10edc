import { ApiError, requireIdentity, zodIssues, type IdentityAsserter, type IdentityVariables } from '@feedmesh/common';
import { Hono, type Context } from 'hono';
import type { FeedStore } from './feeds.js';
import { pageQuery, userIdParam } from './schemas.js';

export interface FeedRoutesDeps {
  store: FeedStore;
  identity: IdentityAsserter;
  /** Consumer lag per partition, for the stats. */
  lag: () => Promise<Array<{ partition: number; lag: number }>>;
}

const unavailable = () => new ApiError(503, 'unavailable', 'the feed store is unavailable; retry shortly');

export function feedRoutes(deps: FeedRoutesDeps) {
  const routes = new Hono<{ Variables: IdentityVariables }>();

  // One response shape for every page: the items and the paging fields.
  const page = async (c: Context, key: string) => {
    const q = pageQuery.safeParse(c.req.query());
    if (!q.success) throw new ApiError(400, 'validation_failed', 'query is invalid', zodIssues(q.error));
    const items = await deps.store.page(key, q.data.skip, q.data.limit).catch(() => {
      throw unavailable();
    });
    return c.json({ items, limit: q.data.limit, skip: q.data.skip, count: items.length });
  };

  routes.get('/', (c) => page(c, deps.store.keys.global()));
  routes.get('/user', requireIdentity(deps.identity), (c) => page(c, deps.store.keys.user(c.var.identity.userId)));
  routes.get('/user/:userId', (c) => {
    const id = userIdParam.safeParse(c.req.param('userId'));
    if (!id.success) throw new ApiError(404, 'not_found', 'no such user feed');
    return page(c, deps.store.keys.user(id.data));
  });
  routes.get('/stats', async (c) => {
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
