import { createBaseApp, serviceRoutes, type HealthCheck, type Logger } from '@feedmesh/common';
import { postRoutes, type PostRoutesDeps } from './routes.js';

const PREFIX = '/api/posts';

/** The gateway routers this service registers in Consul. */
export const ROUTES = serviceRoutes({
  router: 'posts',
  prefix: PREFIX,
  access: 'protected',
});

export interface AppDeps extends PostRoutesDeps {
  logger: Logger;
  instance: string;
  checks: { mongodb: HealthCheck; kafka: HealthCheck };
}

export function createApp(deps: AppDeps) {
  const app = createBaseApp({
    ...deps,
    pathPrefix: PREFIX,
    api: {
      title: 'feedmesh posts-service',
      description: 'Posts: create, read, list, change and delete; every change is published to posts-events.',
    },
  });
  app.route(PREFIX, postRoutes(deps));
  return app;
}
