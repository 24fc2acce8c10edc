import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One file of the client as built: where it is and the validator a browser revalidates it with. */
export interface Asset {
  path: string;
  etag: string;
}

/**
 * The files of the client, by name, listed once at start. Only these names
 * are ever served, so no path a client sends (`..`, encoded slashes) can
 * reach another file. Each gets a strong ETag from its content: the build
 * rewrites them in place, and a browser asks again on every load
 * (`no-cache`), answered by a 304 while nothing changed.
 */
export function listAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(dir, entry.name);
    const digest = createHash('sha256').update(readFileSync(path)).digest('base64url').slice(0, 22);
    assets.set(entry.name, { path, etag: `"${digest}"` });
  }
  return assets;
}
