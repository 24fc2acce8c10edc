import { createBaseApp, type HealthCheck, type Logger } from '@feedmesh/common';

export const ROUTE = { router: 'feed', pathPrefix: '/api/activity-stream' };

export interface AppDeps {
  logger: Logger;
  instance: string;
  checks: { redis: HealthCheck; kafka: HealthCheck };
}

export function createApp(deps: AppDeps) {
  return createBaseApp({ ...deps, pathPrefix: ROUTE.pathPrefix });
}
