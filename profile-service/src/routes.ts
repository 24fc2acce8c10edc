import {
  ApiError,
  apiRoute,
  OpenAPIHono,
  operation,
  readJson,
  requireIdentity,
  type IdentityJwt,
  type IdentityVariables,
} from '@feedmesh/common';
import type { ProfilesRepository } from './profiles.js';
import { createProfileBody, profile, profileParams, updateProfileBody, userIdParam } from './schemas.js';

export interface ProfileRoutesDeps {
  profiles: ProfilesRepository;
  identity: IdentityJwt;
}

const noProfile = () => new ApiError(404, 'not_found', 'no profile for this user');

// Every operation is behind the gateway's forward-auth.
const create = apiRoute({
  method: 'post',
  path: '/',
  summary: "Create the caller's profile",
  bearer: true,
  body: createProfileBody,
  ok: { status: 201, description: 'The new profile', schema: profile },
  errors: [409],
});

const ok = { status: 200, description: 'The profile', schema: profile } as const;
const read = apiRoute({ method: 'get', path: '/', summary: "The caller's profile", bearer: true, ok, errors: [404] });
const update = apiRoute({
  method: 'put',
  path: '/',
  summary: "Change some fields of the caller's profile",
  bearer: true,
  body: updateProfileBody,
  ok,
  errors: [404],
});
const remove = apiRoute({
  method: 'delete',
  path: '/',
  summary: "Delete the caller's profile",
  bearer: true,
  ok: { status: 204, description: 'Deleted' },
  errors: [404],
});
const readOther = apiRoute({
  method: 'get',
  path: '/{userId}',
  summary: "Another user's profile",
  bearer: true,
  params: profileParams,
  ok,
  errors: [404],
});

/** The caller's own profile (a profile always belongs to whoever is calling), and others' by id. */
export function profileRoutes(deps: ProfileRoutesDeps) {
  const routes = new OpenAPIHono<{ Variables: IdentityVariables }>();
  routes.use(requireIdentity(deps.identity));

  operation(routes, create, async (c) => {
    const body = await readJson(c, createProfileBody);
    const profile = await deps.profiles.create(c.var.identity.userId, body);
    if (!profile) throw new ApiError(409, 'conflict', 'this user already has a profile; use PUT to change it');
    return c.json(profile, 201);
  });

  operation(routes, read, async (c) => {
    const profile = await deps.profiles.find(c.var.identity.userId);
    if (!profile) throw noProfile();
    return c.json(profile);
  });

  operation(routes, update, async (c) => {
    const changes = await readJson(c, updateProfileBody);
    const profile = await deps.profiles.update(c.var.identity.userId, changes);
    if (!profile) throw noProfile();
    return c.json(profile);
  });

  operation(routes, remove, async (c) => {
    if (!(await deps.profiles.delete(c.var.identity.userId))) throw noProfile();
    return c.body(null, 204);
  });

  operation(routes, readOther, async (c) => {
    // A malformed id cannot name a profile: the same 404 as a missing one.
    const id = userIdParam.safeParse(c.req.param('userId'));
    const profile = id.success ? await deps.profiles.find(id.data) : undefined;
    if (!profile) throw noProfile();
    return c.json(profile);
  });

  return routes;
}
