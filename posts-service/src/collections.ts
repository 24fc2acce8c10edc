/**
 * posts_db's collections, named here only: the store, the outbox, the index
 * policy and bulk imports (bench/src/posts-scale.ts) all take them from here.
 */
export const COLLECTIONS = { posts: 'posts', slots: 'post_slots', events: 'post_events' } as const;

export type CollectionName = (typeof COLLECTIONS)[keyof typeof COLLECTIONS];
