import type { PostEvent } from '@feedmesh/common';
import type { FeedStore } from '../feeds.js';

/**
 * Every change of a post (created, updated, deleted): one handler for the
 * family, because one script applies them all to the global feed and the
 * author's, atomically and idempotently by the post's version.
 */
export const applyPostEvent =
  (store: FeedStore) =>
  (event: PostEvent): Promise<boolean> =>
    store.apply(event);
