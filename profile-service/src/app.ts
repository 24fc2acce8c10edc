import { createBaseApp, serviceRoutes, type HealthCheck, type Logger } from '@feedmesh/common';

export const PREFIX = '/api/profile';

/** The gateway routers this service registers in Consul. */
export const ROUTES = serviceRoutes({
  router: 'profile',
  prefix: PREFIX,
  access: 'protected',
});

export interface AppDeps {
  logger: Logger;
  instance: string;
  checks: { postgres: HealthCheck };
}

export function createApp(deps: AppDeps) {
  return createBaseApp({ ...deps, pathPrefix: PREFIX });
}
