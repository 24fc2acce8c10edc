import {
  ApiError,
  apiRoute,
  OpenAPIHono,
  operation,
  readJson,
  requireIdentity,
  zodIssues,
  type IdentityJwt,
  type IdentityVariables,
} from '@feedmesh/common';
import { createPostBody, listPostsQuery, post, postId, postPage, postParams, updatePostBody } from './schemas.js';
import { ConflictError, ForbiddenError, NotFoundError, type PostStore } from './store.js';

export interface PostRoutesDeps {
  store: PostStore;
  identity: IdentityJwt;
  /** Called after every committed change. */
  onCommit: () => void;
}

/** Turns the store's domain errors into the API's answers. */
function translate(err: unknown): never {
  if (err instanceof NotFoundError) throw new ApiError(404, 'not_found', 'no such post');
  if (err instanceof ForbiddenError) throw new ApiError(403, 'forbidden', 'only the author may change this post');
  if (err instanceof ConflictError)
    throw new ApiError(409, 'conflict', 'the post changed meanwhile; read it again and retry');
  throw err;
}

function idParam(raw: string | undefined): string {
  const id = postId.safeParse(raw);
  // A malformed id cannot name a post: the same 404 as a missing one.
  if (!id.success) throw new ApiError(404, 'not_found', 'no such post');
  return id.data;
}

// Every operation is behind the gateway's forward-auth.
const create = apiRoute({
  method: 'post',
  path: '/',
  summary: 'Publish a post as the caller',
  bearer: true,
  body: createPostBody,
  ok: { status: 201, description: 'The new post', schema: post },
});
const list = apiRoute({
  method: 'get',
  path: '/',
  summary: 'Posts, newest first',
  bearer: true,
  query: listPostsQuery,
  ok: { status: 200, description: 'One page of posts', schema: postPage },
});
const read = apiRoute({
  method: 'get',
  path: '/{id}',
  summary: 'One post',
  bearer: true,
  params: postParams,
  ok: { status: 200, description: 'The post', schema: post },
  errors: [404],
});

const update = apiRoute({
  method: 'put',
  path: '/{id}',
  summary: 'Change some fields of a post of the caller',
  bearer: true,
  params: postParams,
  body: updatePostBody,
  ok: { status: 200, description: 'The changed post', schema: post },
  errors: [403, 404, 409],
});

const remove = apiRoute({
  method: 'delete',
  path: '/{id}',
  summary: 'Delete a post of the caller',
  bearer: true,
  params: postParams,
  ok: { status: 204, description: 'Deleted' },
  errors: [403, 404, 409],
});

export function postRoutes(deps: PostRoutesDeps) {
  const routes = new OpenAPIHono<{ Variables: IdentityVariables }>();
  routes.use(requireIdentity(deps.identity));

  operation(routes, create, async (c) => {
    const body = await readJson(c, createPostBody);
    const post = await deps.store.create(c.var.identity.userId, body);
    deps.onCommit();
    return c.json(post, 201);
  });

  operation(routes, list, async (c) => {
    const query = listPostsQuery.safeParse(c.req.query());
    if (!query.success) throw new ApiError(400, 'validation_failed', 'query is invalid', zodIssues(query.error));
    const { items, next } = await deps.store.list(query.data).catch(translate);
    return c.json({ items, limit: query.data.limit, skip: query.data.skip, count: items.length, next });
  });

  operation(routes, read, async (c) => c.json(await deps.store.get(idParam(c.req.param('id'))).catch(translate)));

  operation(routes, update, async (c) => {
    const id = idParam(c.req.param('id'));
    const changes = await readJson(c, updatePostBody);
    const post = await deps.store.update(c.var.identity.userId, id, changes).catch(translate);
    deps.onCommit();
    return c.json(post);
  });

  operation(routes, remove, async (c) => {
    await deps.store.delete(c.var.identity.userId, idParam(c.req.param('id'))).catch(translate);
    deps.onCommit();
    return c.body(null, 204);
  });

  return routes;
}
