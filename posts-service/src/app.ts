import { createBaseApp, type HealthCheck, type Logger } from '@feedmesh/common';

export const ROUTE = { router: 'posts', pathPrefix: '/api/posts' };

export interface AppDeps {
  logger: Logger;
  instance: string;
  checks: { mongodb: HealthCheck; kafka: HealthCheck };
}

export function createApp(deps: AppDeps) {
  return createBaseApp({ ...deps, pathPrefix: ROUTE.pathPrefix });
}
