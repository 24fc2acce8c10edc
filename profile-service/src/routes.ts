import { ApiError, readJson, requireIdentity, type IdentityAsserter, type IdentityVariables } from '@feedmesh/common';
import { Hono } from 'hono';
import type { ProfilesRepository } from './profiles.js';
import { createProfileBody, updateProfileBody, userIdParam } from './schemas.js';

export interface ProfileRoutesDeps {
  profiles: ProfilesRepository;
  identity: IdentityAsserter;
}

const noProfile = () => new ApiError(404, 'not_found', 'no profile for this user');

/** The caller's own profile (a profile always belongs to whoever is calling), and others' by id. */
export function profileRoutes(deps: ProfileRoutesDeps) {
  const routes = new Hono<{ Variables: IdentityVariables }>();
  routes.use(requireIdentity(deps.identity));

  routes.post('/', async (c) => {
    const body = await readJson(c, createProfileBody);
    const profile = await deps.profiles.create(c.var.identity.userId, body);
    if (!profile) throw new ApiError(409, 'conflict', 'this user already has a profile; use PUT to change it');
    return c.json(profile, 201);
  });

  routes.get('/', async (c) => {
    const profile = await deps.profiles.find(c.var.identity.userId);
    if (!profile) throw noProfile();
    return c.json(profile);
  });

  routes.put('/', async (c) => {
    const changes = await readJson(c, updateProfileBody);
    const profile = await deps.profiles.update(c.var.identity.userId, changes);
    if (!profile) throw noProfile();
    return c.json(profile);
  });

  routes.delete('/', async (c) => {
    if (!(await deps.profiles.delete(c.var.identity.userId))) throw noProfile();
    return c.body(null, 204);
  });

  routes.get('/:userId', async (c) => {
    // A malformed id cannot name a profile: the same 404 as a missing one.
    const id = userIdParam.safeParse(c.req.param('userId'));
    const profile = id.success ? await deps.profiles.find(id.data) : undefined;
    if (!profile) throw noProfile();
    return c.json(profile);
  });

  return routes;
}
