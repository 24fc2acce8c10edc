import type { SocialEvent } from '@feedmesh/common';
import type { FeedStore } from '../feeds.js';

/**
 * Every follow and unfollow: one handler for the family, because one script
 * applies either to the follow graph by the pair's version, and what follows
 * from it (a home timeline's backfill or purge) is the graph's business too.
 */
export const applySocialEvent =
  (store: FeedStore) =>
  (events: SocialEvent[]): Promise<boolean[]> =>
    store.home.applyFollows(events);
