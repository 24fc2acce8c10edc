import { ApiError, readJson, requireIdentity, zodIssues, type IdentityAsserter, type IdentityVariables } from '@feedmesh/common';
import { Hono } from 'hono';
import { createPostBody, listPostsQuery, postId, updatePostBody } from './schemas.js';
import { ConflictError, ForbiddenError, InvalidCursorError, NotFoundError, type PostStore } from './store.js';

export interface PostRoutesDeps {
  store: PostStore;
  identity: IdentityAsserter;
  /** Called after every committed change. */
  onCommit: () => void;
}

/** Turns the store's domain errors into the API's answers. */
function translate(err: unknown): never {
  if (err instanceof NotFoundError) throw new ApiError(404, 'not_found', 'no such post');
  if (err instanceof ForbiddenError) throw new ApiError(403, 'forbidden', 'only the author may change this post');
  if (err instanceof ConflictError) throw new ApiError(409, 'conflict', 'the post changed meanwhile; read it again and retry');
  if (err instanceof InvalidCursorError) throw new ApiError(400, 'validation_failed', 'query is invalid', [{ path: 'before', message: 'not the `next` of a page of this listing' }]);
  throw err;
}

function idParam(raw: string): string {
  const id = postId.safeParse(raw);
  // A malformed id cannot name a post: the same 404 as a missing one.
  if (!id.success) throw new ApiError(404, 'not_found', 'no such post');
  return id.data;
}

export function postRoutes(deps: PostRoutesDeps) {
  const routes = new Hono<{ Variables: IdentityVariables }>();
  routes.use(requireIdentity(deps.identity));

  routes.post('/', async (c) => {
    const body = await readJson(c, createPostBody);
    const post = await deps.store.create(c.var.identity.userId, body);
    deps.onCommit();
    return c.json(post, 201);
  });

  routes.get('/', async (c) => {
    const query = listPostsQuery.safeParse(c.req.query());
    if (!query.success) throw new ApiError(400, 'validation_failed', 'query is invalid', zodIssues(query.error));
    const { items, next } = await deps.store.list(query.data).catch(translate);
    return c.json({ items, limit: query.data.limit, skip: query.data.skip, count: items.length, next });
  });

  routes.get('/:id', async (c) => c.json(await deps.store.get(idParam(c.req.param('id'))).catch(translate)));

  routes.put('/:id', async (c) => {
    const id = idParam(c.req.param('id'));
    const changes = await readJson(c, updatePostBody);
    const post = await deps.store.update(c.var.identity.userId, id, changes).catch(translate);
    deps.onCommit();
    return c.json(post);
  });

  routes.delete('/:id', async (c) => {
    await deps.store.delete(c.var.identity.userId, idParam(c.req.param('id'))).catch(translate);
    deps.onCommit();
    return c.body(null, 204);
  });

  return routes;
}
