import { createBaseApp, serviceRoutes, type HealthCheck, type Logger } from '@feedmesh/common';

export const PREFIX = '/api/posts';

/** The gateway routers this service registers in Consul. */
export const ROUTES = serviceRoutes({
  router: 'posts',
  prefix: PREFIX,
  access: 'protected',
});

export interface AppDeps {
  logger: Logger;
  instance: string;
  checks: { mongodb: HealthCheck; kafka: HealthCheck };
}

export function createApp(deps: AppDeps) {
  return createBaseApp({ ...deps, pathPrefix: PREFIX });
}
