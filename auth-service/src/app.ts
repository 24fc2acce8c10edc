import { createBaseApp, type HealthCheck, type Logger } from '@feedmesh/common';

export const ROUTE = { router: 'auth', pathPrefix: '/api/auth' };

export interface AppDeps {
  logger: Logger;
  instance: string;
  checks: { postgres: HealthCheck };
}

export function createApp(deps: AppDeps) {
  return createBaseApp({ ...deps, pathPrefix: ROUTE.pathPrefix });
}
