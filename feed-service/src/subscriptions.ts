import {
  authEvent,
  postEvent,
  socialEvent,
  subscription,
  topicFor,
  type SubscribedTopic,
  type Subscription,
} from '@feedmesh/common';
import type { FeedStore } from './feeds.js';
import { applyAuthEvent } from './handlers/auth-event.js';
import { applyPostEvent } from './handlers/post-event.js';
import { applySocialEvent } from './handlers/social-event.js';

/** The topics the feeds are made of, by event family; each is mesh.json's entry unless overridden. */
export interface FeedTopics {
  post: SubscribedTopic;
  /** Follows and unfollows: the graph home timelines are made from. */
  social: SubscribedTopic;
  /** Revocations of access tokens: what ends a live home stream. */
  auth: SubscribedTopic;
}

/**
 * Which topics feed-service reads: mesh.json's, except that `FEED_TOPIC`,
 * `FEED_SOCIAL_TOPIC` and `FEED_AUTH_TOPIC` point the subscriptions at other
 * topics (a benchmark's second feed beside the live one). Dead letters still
 * go where mesh.json says.
 */
export function feedTopics(config: {
  FEED_TOPIC: string;
  FEED_SOCIAL_TOPIC: string;
  FEED_AUTH_TOPIC: string;
}): FeedTopics {
  return {
    post: { ...topicFor('post'), name: config.FEED_TOPIC },
    social: { ...topicFor('user'), name: config.FEED_SOCIAL_TOPIC },
    auth: { ...topicFor('auth'), name: config.FEED_AUTH_TOPIC },
  };
}

/**
 * Everything feed-service consumes, in one place: each topic, the schema of
 * its events and the handler of every event type. A new event type is a
 * handler here; a new topic is an entry here (and in mesh.json's `consumes`).
 */
export function feedSubscriptions(store: FeedStore, topics: FeedTopics): Subscription[] {
  const applyPost = applyPostEvent(store);
  const applySocial = applySocialEvent(store);
  const applyAuth = applyAuthEvent(store.revoked);
  return [
    subscription({
      topic: topics.post,
      schema: postEvent,
      handlers: { 'post.created': applyPost, 'post.updated': applyPost, 'post.deleted': applyPost },
    }),
    subscription({
      topic: topics.social,
      schema: socialEvent,
      handlers: { 'user.followed': applySocial, 'user.unfollowed': applySocial },
    }),
    subscription({
      topic: topics.auth,
      schema: authEvent,
      handlers: { 'token.revoked': applyAuth, 'user.tokens_revoked': applyAuth },
    }),
  ];
}
