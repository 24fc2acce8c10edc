import { ApiError, route, type Route } from '@feedmesh/common';
import { createPostBody, listPostsQuery, post, postPage, postParams, updatePostBody } from './schemas.js';
import { ConflictError, ForbiddenError, NotFoundError, type PostStore } from './store.js';

export interface PostRoutesDeps {
  store: PostStore;
}

const NO_POST = 'no such post';

/** Turns the store's domain errors into the API's answers. */
function translate(err: unknown): never {
  if (err instanceof NotFoundError) throw new ApiError(404, 'not_found', NO_POST);
  if (err instanceof ForbiddenError) throw new ApiError(403, 'forbidden', 'only the author may change this post');
  if (err instanceof ConflictError)
    throw new ApiError(409, 'conflict', 'the post changed meanwhile; read it again and retry');
  throw err;
}

const byId = { params: postParams, notFound: NO_POST } as const;

export function postRoutes(deps: PostRoutesDeps): Route[] {
  return [
    route(
      {
        method: 'post',
        path: '/',
        access: 'user',
        summary: 'Publish a post as the caller',
        body: createPostBody,
        ok: { status: 201, description: 'The new post', schema: post },
      },
      async (c) => {
        const created = await deps.store.create(c.var.identity.userId, c.req.valid('json'));
        return c.json(created, 201);
      },
    ),

    route(
      {
        method: 'get',
        path: '/',
        access: 'user',
        summary: 'Posts, newest first',
        query: listPostsQuery,
        ok: { status: 200, description: 'One page of posts', schema: postPage },
      },
      async (c) => {
        const query = c.req.valid('query');
        const { items, next } = await deps.store.list(query).catch(translate);
        return c.json({ items, limit: query.limit, skip: query.skip, count: items.length, next });
      },
    ),

    route(
      {
        method: 'get',
        path: '/{id}',
        access: 'user',
        summary: 'One post',
        ...byId,
        ok: { status: 200, description: 'The post', schema: post },
      },
      async (c) => c.json(await deps.store.get(c.req.valid('param').id).catch(translate)),
    ),

    route(
      {
        method: 'put',
        path: '/{id}',
        access: 'user',
        summary: 'Change some fields of a post of the caller',
        ...byId,
        body: updatePostBody,
        ok: { status: 200, description: 'The changed post', schema: post },
        errors: [403, 409],
      },
      async (c) => {
        const changes = c.req.valid('json');
        const changed = await deps.store
          .update(c.var.identity.userId, c.req.valid('param').id, changes)
          .catch(translate);
        return c.json(changed);
      },
    ),

    route(
      {
        method: 'delete',
        path: '/{id}',
        access: 'user',
        summary: 'Delete a post of the caller',
        ...byId,
        ok: { status: 204, description: 'Deleted' },
        errors: [403, 409],
      },
      async (c) => {
        await deps.store.delete(c.var.identity.userId, c.req.valid('param').id).catch(translate);
        return c.body(null, 204);
      },
    ),
  ];
}
