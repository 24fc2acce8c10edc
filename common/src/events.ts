import { z } from 'zod';
import { topicFor } from './manifest.js';

/** The topic every change of a post is published to, keyed by post id (named in mesh.json). */
export const POSTS_TOPIC = topicFor('post').name;

/** Version of the envelope below; a consumer refuses versions it does not know. */
export const POST_EVENT_SCHEMA_VERSION = 1;

/** A post as the events carry it: the state right after the change. */
export const postSnapshot = z.object({
  id: z.string().min(1),
  author_id: z.string().min(1),
  title: z.string(),
  content: z.string(),
  tags: z.array(z.string()),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
  /** 1 on create, +1 on every later change: lets a consumer drop stale or repeated events. */
  version: z.number().int().positive(),
});

/** What every event carries, whatever its topic: `schemaVersion` is its family's. */
const envelopeOf = <V extends number>(schemaVersion: V) => ({
  /** Unique per change; the same change delivered twice carries the same id. */
  id: z.uuid(),
  schema_version: z.literal(schemaVersion),
  time: z.iso.datetime(),
  /** The user whose request made the change. */
  actor: z.string().min(1),
});

const envelope = envelopeOf(POST_EVENT_SCHEMA_VERSION);

/**
 * The versioned envelope of every event on the posts topic (`POSTS_TOPIC`), shared by the
 * producer (posts-service) and the consumer (feed-service) so neither can drift.
 */
export const postEvent = z.discriminatedUnion('type', [
  z.object({ ...envelope, type: z.literal('post.created'), data: postSnapshot }),
  z.object({ ...envelope, type: z.literal('post.updated'), data: postSnapshot }),
  z.object({
    ...envelope,
    type: z.literal('post.deleted'),
    data: z.object({ id: z.string().min(1), author_id: z.string().min(1), version: z.number().int().positive() }),
  }),
]);

export type PostEvent = z.output<typeof postEvent>;
export type PostSnapshot = z.output<typeof postSnapshot>;

/** The topic every follow and unfollow is published to, keyed by follower id (named in mesh.json). */
export const SOCIAL_TOPIC = topicFor('user').name;

/** Version of the social events' envelope; a consumer refuses versions it does not know. */
export const SOCIAL_EVENT_SCHEMA_VERSION = 1;

/**
 * One change of one follow pair: the state it leaves is the event's type.
 * `version` counts the pair's changes (1 on its first follow, +1 on each
 * follow or unfollow after), so a consumer that keeps the latest version per
 * pair drops a stale or repeated event after a replay or a recovery, whatever
 * order they reach it in.
 */
const followChange = z.object({
  follower_id: z.uuid(),
  followee_id: z.uuid(),
  version: z.number().int().positive(),
});

/**
 * The versioned envelope of every event on the social topic (`SOCIAL_TOPIC`),
 * shared by the producer (profile-service) and its consumers. `time` is when
 * the change committed: for `user.followed`, when the follow began.
 */
export const socialEvent = z.discriminatedUnion('type', [
  z.object({ ...envelopeOf(SOCIAL_EVENT_SCHEMA_VERSION), type: z.literal('user.followed'), data: followChange }),
  z.object({ ...envelopeOf(SOCIAL_EVENT_SCHEMA_VERSION), type: z.literal('user.unfollowed'), data: followChange }),
]);

export type SocialEvent = z.output<typeof socialEvent>;
export type FollowChange = z.output<typeof followChange>;

/** The topic every revocation of access tokens is published to, keyed by user id (named in mesh.json). */
export const AUTH_TOPIC = topicFor('auth').name;

/** Version of the auth events' envelope; a consumer refuses versions it does not know. */
export const AUTH_EVENT_SCHEMA_VERSION = 1;

/**
 * The versioned envelope of every event on the auth topic (`AUTH_TOPIC`),
 * shared by the producer (auth-service) and its consumers, which end what
 * a revoked token opened (feed-service's live streams).
 * `token.revoked`: one token, by its `jti`, at logout; `expires_at` (seconds)
 * is when it would have expired anyway. `user.tokens_revoked`: every token of
 * the user signed with a generation below `generation` (a password change).
 */
export const authEvent = z.discriminatedUnion('type', [
  z.object({
    ...envelopeOf(AUTH_EVENT_SCHEMA_VERSION),
    type: z.literal('token.revoked'),
    data: z.object({ user_id: z.uuid(), jti: z.string().min(1).max(64), expires_at: z.number().int().positive() }),
  }),
  z.object({
    ...envelopeOf(AUTH_EVENT_SCHEMA_VERSION),
    type: z.literal('user.tokens_revoked'),
    data: z.object({ user_id: z.uuid(), generation: z.number().int().positive() }),
  }),
]);

export type AuthEvent = z.output<typeof authEvent>;
