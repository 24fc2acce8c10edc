import { ApiError, route, type Route } from '@feedmesh/common';
import { NoSuchUserError, type FollowGraph, type Listing } from './follows.js';
import type { ProfilesRepository } from './profiles.js';
import {
  createProfileBody,
  follow,
  followPage,
  listFollowsQuery,
  profile,
  profileParams,
  updateProfileBody,
} from './schemas.js';

const NO_PROFILE = 'no profile for this user';
const noProfile = () => new ApiError(404, 'not_found', NO_PROFILE);
const ok = { status: 200, description: 'The profile', schema: profile } as const;

const NO_USER = 'no such user';
const notSelf = () =>
  new ApiError(400, 'validation_failed', 'a user cannot follow themselves', [
    { path: 'userId', message: "must be another user's id" },
  ]);

export interface ProfileRoutesDeps {
  profiles: ProfilesRepository;
  follows: FollowGraph;
}

/** One of the two listings of a user's follows, newest follow first. */
function listingRoute(listing: Listing, summary: string, follows: FollowGraph): Route {
  return route(
    {
      method: 'get',
      path: `/{userId}/${listing}`,
      access: 'user',
      summary,
      params: profileParams,
      notFound: NO_USER,
      query: listFollowsQuery,
      ok: { status: 200, description: 'One page of users, newest follow first', schema: followPage },
    },
    async (c) => {
      const query = c.req.valid('query');
      const { items, next } = await follows.list(listing, c.req.valid('param').userId, query);
      return c.json({ items, limit: query.limit, count: items.length, next });
    },
  );
}

/**
 * The caller's own profile (a profile always belongs to whoever is calling), and others' by id;
 * whom the caller follows, and the follow graph of anyone.
 */
export function profileRoutes({ profiles, follows }: ProfileRoutesDeps): Route[] {
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
        summary: "Delete the caller's profile, ending every follow of or by the caller",
        ok: { status: 204, description: 'Deleted' },
        errors: [404],
      },
      async (c) => {
        if (!(await follows.deleteProfile(c.var.identity.userId))) throw noProfile();
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

    route(
      {
        method: 'put',
        path: '/following/{userId}',
        access: 'user',
        summary: 'Follow a user (again: nothing changes)',
        params: profileParams,
        notFound: NO_USER,
        ok: { status: 200, description: 'The follow, with when it began', schema: follow },
        errors: [400],
      },
      async (c) => {
        const { userId } = c.req.valid('param');
        if (userId === c.var.identity.userId) throw notSelf();
        try {
          return c.json(await follows.follow(c.var.identity.userId, userId));
        } catch (err) {
          if (err instanceof NoSuchUserError) throw new ApiError(404, 'not_found', NO_USER);
          throw err;
        }
      },
    ),

    route(
      {
        method: 'delete',
        path: '/following/{userId}',
        access: 'user',
        summary: 'Stop following a user (not following: nothing changes)',
        params: profileParams,
        notFound: NO_USER,
        ok: { status: 204, description: 'Not following' },
        errors: [400],
      },
      async (c) => {
        const { userId } = c.req.valid('param');
        if (userId === c.var.identity.userId) throw notSelf();
        await follows.unfollow(c.var.identity.userId, userId);
        return c.body(null, 204);
      },
    ),

    listingRoute('following', 'Whom a user follows, newest follow first', follows),
    listingRoute('followers', "A user's followers, newest follow first", follows),
  ];
}
