import {
  createBaseApp,
  EXACT_PATH_PRIORITY,
  paths,
  serviceRoutes,
  type HealthCheck,
  type Logger,
} from '@feedmesh/common';
import { authRoutes, type AuthRoutesDeps } from './routes.js';

const PREFIX = '/api/auth';

/** The gateway routers this service registers in Consul. */
export const ROUTES = serviceRoutes({
  router: 'auth',
  prefix: PREFIX,
  access: 'public',
  extra: [
    // Credentials endpoints get the per-client rate limit.
    {
      router: 'auth-credentials',
      rule: paths('/api/auth/login', '/api/auth/register'),
      middlewares: ['credentials@file'],
      priority: EXACT_PATH_PRIORITY,
    },
    { router: 'auth-me', rule: paths('/api/auth/me'), middlewares: ['protected@file'], priority: EXACT_PATH_PRIORITY },
  ],
});

export interface AppDeps extends AuthRoutesDeps {
  logger: Logger;
  instance: string;
  checks: { postgres: HealthCheck };
}

export function createApp(deps: AppDeps) {
  const app = createBaseApp({
    ...deps,
    pathPrefix: PREFIX,
    api: { title: 'feedmesh auth-service', description: 'Accounts, logins and the bearer tokens the gateway checks.' },
  });
  app.route(PREFIX, authRoutes(deps));
  return app;
}
