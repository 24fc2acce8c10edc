import { createBaseApp, serviceRoutes, type HealthCheck, type Logger } from '@feedmesh/common';
import { profileRoutes, type ProfileRoutesDeps } from './routes.js';

const PREFIX = '/api/profile';

/** The gateway routers this service registers in Consul. */
export const ROUTES = serviceRoutes({
  router: 'profile',
  prefix: PREFIX,
  access: 'protected',
});

export interface AppDeps extends ProfileRoutesDeps {
  logger: Logger;
  instance: string;
  checks: { postgres: HealthCheck };
}

export function createApp(deps: AppDeps) {
  const app = createBaseApp({
    ...deps,
    pathPrefix: PREFIX,
    api: { title: 'feedmesh profile-service', description: "The caller's profile, and others' by user id." },
  });
  app.route(PREFIX, profileRoutes(deps));
  return app;
}
