import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';

/** One file of the client as built: its bytes (a few KiB, held in memory), its type and its validator. */
export interface Asset {
  bytes: Uint8Array;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/**
 * The files of the client, by name, read once at start and served from
 * memory. Only these names are ever served, so no path a client sends
 * (`..`, encoded slashes) can reach another file, and a build meanwhile
 * changes nothing served until the next start. Each gets a strong ETag from
 * its content; a browser asks again on every load (`no-cache`), answered by
 * a 304 while nothing changed.
 */
export function listAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const bytes = readFileSync(join(dir, entry.name));
    const digest = createHash('sha256').update(bytes).digest('base64url').slice(0, 22);
    const type = TYPES[extname(entry.name)] ?? 'application/octet-stream';
    assets.set(entry.name, { bytes, type, etag: `"${digest}"` });
  }
  return assets;
}
