import { postEvent, subscription, topicFor, type SubscribedTopic, type Subscription } from '@feedmesh/common';
import type { FeedStore } from './feeds.js';
import { applyPostEvent } from './handlers/post-event.js';

/** The topics the feeds are made of, by event family; each is mesh.json's entry unless overridden. */
export interface FeedTopics {
  post: SubscribedTopic;
}

/**
 * Which topics feed-service reads: mesh.json's, except that `FEED_TOPIC`
 * points the posts subscription at another topic (a benchmark's second feed
 * beside the live one). Dead letters still go where mesh.json says.
 */
export function feedTopics(config: { FEED_TOPIC: string }): FeedTopics {
  return { post: { ...topicFor('post'), name: config.FEED_TOPIC } };
}

/**
 * Everything feed-service consumes, in one place: each topic, the schema of
 * its events and the handler of every event type. A new event type is a
 * handler here; a new topic is an entry here (and in mesh.json's `consumes`).
 */
export function feedSubscriptions(store: FeedStore, topics: FeedTopics): Subscription[] {
  const applyPost = applyPostEvent(store);
  return [
    subscription({
      topic: topics.post,
      schema: postEvent,
      handlers: { 'post.created': applyPost, 'post.updated': applyPost, 'post.deleted': applyPost },
    }),
  ];
}
