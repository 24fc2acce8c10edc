import { ApiError, route, type Route } from '@feedmesh/common';
import type { ProfilesRepository } from './profiles.js';
import { createProfileBody, profile, profileParams, updateProfileBody } from './schemas.js';

const NO_PROFILE = 'no profile for this user';
const noProfile = () => new ApiError(404, 'not_found', NO_PROFILE);
const ok = { status: 200, description: 'The profile', schema: profile } as const;

/** The caller's own profile (a profile always belongs to whoever is calling), and others' by id. */
export function profileRoutes(profiles: ProfilesRepository): Route[] {
  return [
    route(
      {
        method: 'post',
        path: '/',
        access: 'user',
        summary: "Create the caller's profile",
        body: createProfileBody,
        ok: { status: 201, description: 'The new profile', schema: profile },
        errors: [409],
      },
      async (c) => {
        const created = await profiles.create(c.var.identity.userId, c.req.valid('json'));
        if (!created) throw new ApiError(409, 'conflict', 'this user already has a profile; use PUT to change it');
        return c.json(created, 201);
      },
    ),

    route(
      { method: 'get', path: '/', access: 'user', summary: "The caller's profile", ok, errors: [404] },
      async (c) => {
        const found = await profiles.find(c.var.identity.userId);
        if (!found) throw noProfile();
        return c.json(found);
      },
    ),

    route(
      {
        method: 'put',
        path: '/',
        access: 'user',
        summary: "Change some fields of the caller's profile",
        body: updateProfileBody,
        ok,
        errors: [404],
      },
      async (c) => {
        const changed = await profiles.update(c.var.identity.userId, c.req.valid('json'));
        if (!changed) throw noProfile();
        return c.json(changed);
      },
    ),

    route(
      {
        method: 'delete',
        path: '/',
        access: 'user',
        summary: "Delete the caller's profile",
        ok: { status: 204, description: 'Deleted' },
        errors: [404],
      },
      async (c) => {
        if (!(await profiles.delete(c.var.identity.userId))) throw noProfile();
        return c.body(null, 204);
      },
    ),

    route(
      {
        method: 'get',
        path: '/{userId}',
        access: 'user',
        summary: "Another user's profile",
        params: profileParams,
        notFound: NO_PROFILE,
        ok,
      },
      async (c) => {
        const found = await profiles.find(c.req.valid('param').userId);
        if (!found) throw noProfile();
        return c.json(found);
      },
    ),
  ];
}
