/**
 * posts_db's collections, named here only: the store, the outbox, the index
 * policy and bulk imports (bench/src/posts-scale.ts) all take them from here.
 *
 * `posts` holds three kinds of document: posts, their events (the outbox)
 * and their listing places. One collection because a multi-document insert
 * into one collection is the only atomic multi-document write FerretDB v1
 * has (one PostgreSQL transaction), and a post's creation is one such insert.
 */
export const COLLECTIONS = { posts: 'posts', checkpoints: 'outbox_checkpoints' } as const;

/** Where earlier versions kept places and events apart; moved into `posts` at start (migrate.ts). */
export const LEGACY_COLLECTIONS = { slots: 'post_slots', events: 'post_events' } as const;

export type CollectionName = (typeof COLLECTIONS)[keyof typeof COLLECTIONS];
