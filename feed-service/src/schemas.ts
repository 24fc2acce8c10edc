import { z } from 'zod';

/** Paging of every feed: `limit` 1–100 (default 20), `skip` inside the kept window. */
export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  skip: z.coerce.number().int().min(0).max(100_000).default(0),
});

export const userIdParam = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/);
