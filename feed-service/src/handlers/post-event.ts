import type { PostEvent } from '@feedmesh/common';
import type { FeedStore } from '../feeds.js';

/**
 * Every change of a post (created, updated, deleted): one handler for the
 * family, because one script applies them all to the global feed and the
 * author's, atomically and idempotently by the post's version; a run of
 * them goes to Redis in one round trip.
 */
export const applyPostEvent =
  (store: FeedStore) =>
  (events: PostEvent[]): Promise<boolean[]> =>
    store.applyAll(events);
