import { ApiError, route, type Route } from '@feedmesh/common';
import type { Context } from 'hono';
import { z } from 'zod';
import type { Asset } from './assets.js';

const INDEX = 'index.html';
const NO_FILE = 'no such file';
const noFile = () => new ApiError(404, 'not_found', NO_FILE);

// The file names the build makes: no slash, no leading dot; what else could a name hold is refused by listing.
const fileParams = z.object({ file: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/) });

/** What every file is answered with, beside its bytes. */
const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  // Everything the page loads is its own; it talks to the APIs of the same origin only.
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
    "base-uri 'self'; form-action 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
};

/**
 * Sends one file from memory, as read at start: nothing on the request
 * (a range, an odd header) reaches the file system. `no-cache`: the names
 * are not hashed, so a browser revalidates each load (the ETag, a 304
 * without a body) and never runs a script older than the page it came with.
 */
function send(c: Context, asset: Asset | undefined): Response {
  if (!asset) throw noFile();
  c.header('Cache-Control', 'no-cache');
  c.header('ETag', asset.etag);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
  if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304);
  c.header('Content-Type', asset.type);
  return c.body(asset.bytes as Uint8Array<ArrayBuffer>, 200);
}

/** The page, and the files it loads, all under the prefix, for anyone. */
export function clientRoutes(assets: ReadonlyMap<string, Asset>): Route[] {
  return [
    route(
      {
        method: 'get',
        // The bare prefix (`/app`: Hono joins `/` to a prefix so); the page's <base> puts its relative
        // links under the prefix, and the gateway sends `/` and `/app/` here (api_gateway/dynamic.yml).
        path: '/',
        access: 'public',
        summary: 'The web client: its one page',
        ok: { status: 200, description: 'The page', media: ['text/html'] },
      },
      (c) => send(c, assets.get(INDEX)),
    ),
    route(
      {
        method: 'get',
        path: '/{file}',
        access: 'public',
        summary: "One of the page's files: its script, style sheet, icon",
        params: fileParams,
        notFound: NO_FILE,
        ok: {
          status: 200,
          description: 'The file, typed by its extension',
          media: ['text/javascript', 'text/css', 'image/svg+xml', 'text/html', 'application/json'],
        },
      },
      (c) => send(c, assets.get(c.req.valid('param').file)),
    ),
  ];
}
