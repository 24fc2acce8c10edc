import type { Context, Handler } from 'hono';
import type { z } from 'zod';
import type { IdentityVariables } from './identity.js';
import type { ErrorStatus } from './openapi.js';

/**
 * Who may call an operation, and all that follows from it: the middleware
 * chain of its gateway router (api_gateway/dynamic.yml), whether the document
 * (the API as clients reach it through the gateway) shows it and under the
 * bearer scheme, whether the service checks the identity the gateway
 * asserted, and the error status that access adds.
 */
export const ACCESS = {
  /** Anyone. */
  public: { gateway: 'public@file', documented: true, bearer: false, identity: false, errors: [] },
  /** Anyone, with a per-client rate limit at the gateway: login and register. */
  credentials: { gateway: 'credentials@file', documented: true, bearer: false, identity: false, errors: [429] },
  /** A caller with a bearer token: the gateway's forward-auth vouches for it, the service checks the assertion. */
  user: { gateway: 'protected@file', documented: true, bearer: true, identity: true, errors: [401] },
  /**
   * The gateway's forward-auth check (mesh.json's `forwardAuth`): Traefik calls it straight at the service, and
   * the handler checks the bearer token itself. Through the gateway the path answers the one 404, so nothing
   * outside the mesh can probe tokens with it, and no route another service registers can stand in for it.
   * So no client can call it, and the document leaves it out.
   */
  forwardAuth: { gateway: 'unreachable@file', documented: false, bearer: true, identity: false, errors: [401] },
} as const satisfies Record<
  string,
  { gateway: string; documented: boolean; bearer: boolean; identity: boolean; errors: readonly ErrorStatus[] }
>;

export type Access = keyof typeof ACCESS;

type PathParams =
  | { params?: undefined; notFound?: undefined }
  | {
      params: z.ZodObject;
      /** The 404 of the operation; a path parameter that fails `params` names nothing and answers it too. */
      notFound: string;
    };

/**
 * One operation of a service, declared once: the document, the validation of
 * its input, the identity check and the gateway router all come from it.
 */
export type Operation = PathParams & {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Under the service's prefix, with `{name}` for a path parameter, as in OpenAPI. */
  path: string;
  access: Access;
  summary: string;
  /** Query parameters: their validation can answer 400. */
  query?: z.ZodObject;
  /** A required JSON body: reading it can answer 400, 413 and 415. */
  body?: z.ZodType;
  /**
   * The success answer; without a schema it has no body. With `events` it is
   * a stream of server-sent events (`text/event-stream`), each as `events`
   * says, that lasts until the client leaves. With `media` it is a file (a page,
   * a script) of one of those media types, not JSON.
   */
  ok: {
    status: 200 | 201 | 204;
    description: string;
    schema?: z.ZodType;
    events?: z.ZodType;
    media?: readonly string[];
  };
  /** Error statuses of the operation itself (those of its input and its access are implied). */
  errors?: readonly ErrorStatus[];
};

type Part<O, Key extends string, Target extends string> = O extends { [K in Key]: infer S extends z.ZodType }
  ? { [T in Target]: z.output<S> }
  : object;

/** What `c.req.valid(...)` gives a handler: its operation's input, validated. */
type ValidInput<O extends Operation> = {
  out: Part<O, 'params', 'param'> & Part<O, 'query', 'query'> & Part<O, 'body', 'json'>;
};

/** A `user` operation's handler reads the caller from `c.var.identity`; no other can. */
type AccessEnv<O extends Operation> = O['access'] extends 'user' ? { Variables: IdentityVariables } : object;

export type RouteHandler<O extends Operation> = (
  c: Context<AccessEnv<O>, string, ValidInput<O>>,
) => Response | Promise<Response>;

/** An operation with its handler, ready for `createApp`. */
export interface Route {
  operation: Operation;
  handler: Handler;
}

/** Declares an operation and its handler, which receives the operation's input typed and validated. */
export function route<const O extends Operation>(operation: O, handler: RouteHandler<O>): Route {
  return { operation, handler: handler as Handler };
}
