import {
  createBaseApp,
  EXACT_PATH_PRIORITY,
  paths,
  serviceRoutes,
  type HealthCheck,
  type Logger,
} from '@feedmesh/common';
import { feedRoutes, type FeedRoutesDeps } from './routes.js';

const PREFIX = '/api/activity-stream';

/** The gateway routers this service registers in Consul. */
export const ROUTES = serviceRoutes({
  router: 'feed',
  prefix: PREFIX,
  access: 'public',
  // The caller's own stream needs a token; everything else here is public.
  extra: [
    {
      router: 'feed-user',
      rule: paths('/api/activity-stream/user'),
      middlewares: ['protected@file'],
      priority: EXACT_PATH_PRIORITY,
    },
  ],
});

export interface AppDeps extends FeedRoutesDeps {
  logger: Logger;
  instance: string;
  checks: { redis: HealthCheck; kafka: HealthCheck };
}

export function createApp(deps: AppDeps) {
  const app = createBaseApp({
    ...deps,
    pathPrefix: PREFIX,
    api: {
      title: 'feedmesh feed-service',
      description: 'Activity feeds materialized from posts-events: the global stream, per user, and stats.',
    },
  });
  app.route(PREFIX, feedRoutes(deps));
  return app;
}
