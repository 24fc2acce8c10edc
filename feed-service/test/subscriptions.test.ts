import { randomUUID } from 'node:crypto';
import { manifest, topicFor, type PostEvent } from '@feedmesh/common';
import { describe, expect, it } from 'vitest';
import type { FeedStore } from '../src/feeds.js';
import { feedSubscriptions, feedTopics } from '../src/subscriptions.js';

// The table itself, without Kafka or Redis: which topics, and which events reach the store.
const applied: PostEvent[] = [];
const store = {
  applyAll: async (events: PostEvent[]) => events.map((e) => applied.push(e) > 0),
} as unknown as FeedStore;
const live = feedTopics({ FEED_TOPIC: topicFor('post').name });

describe('feedSubscriptions', () => {
  it('reads exactly the topics mesh.json says feed-service consumes, with their declared dead-letter topics', () => {
    const topics = feedSubscriptions(store, live).map((s) => s.topic);
    expect(topics.map((t) => t.name).sort()).toEqual([...(manifest.services['feed-service']?.consumes ?? [])].sort());
    for (const t of topics) expect(t).toMatchObject({ deadLetter: manifest.topics[t.name]?.deadLetter });
  });

  it('lets FEED_TOPIC point the posts entry at another topic, dead letters still where mesh.json says', () => {
    const [posts] = feedSubscriptions(store, feedTopics({ FEED_TOPIC: 'posts-copy' }));
    expect(posts?.topic).toEqual({ ...topicFor('post'), name: 'posts-copy' });
  });

  it('hands every kind of post change to the store', async () => {
    const [posts] = feedSubscriptions(store, live);
    const time = new Date().toISOString();
    const base = { id: randomUUID(), schema_version: 1, time, actor: 'u1' };
    const snapshot = {
      id: 'p1',
      author_id: 'u1',
      title: 't',
      content: 'c',
      tags: [],
      created_at: time,
      updated_at: time,
    };
    const events = [
      { ...base, type: 'post.created', data: { ...snapshot, version: 1 } },
      { ...base, type: 'post.updated', data: { ...snapshot, version: 2 } },
      { ...base, type: 'post.deleted', data: { id: 'p1', author_id: 'u1', version: 3 } },
    ];
    for (const e of events) {
      const routed = posts?.route(Buffer.from(JSON.stringify(e)));
      expect(routed && 'handler' in routed && (await routed.handler([routed.event]))).toEqual([true]);
    }
    expect(applied.map((e) => e.type)).toEqual(['post.created', 'post.updated', 'post.deleted']);
  });
});
