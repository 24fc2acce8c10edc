import { createBaseApp, type HealthCheck, type Logger } from '@feedmesh/common';

export const ROUTE = { router: 'profile', pathPrefix: '/api/profile' };

export interface AppDeps {
  logger: Logger;
  instance: string;
  checks: { postgres: HealthCheck };
}

export function createApp(deps: AppDeps) {
  return createBaseApp({ ...deps, pathPrefix: ROUTE.pathPrefix });
}
