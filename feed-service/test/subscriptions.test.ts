import { randomUUID } from 'node:crypto';
import { manifest, topicFor, type AuthEvent, type PostEvent, type SocialEvent } from '@feedmesh/common';
import { describe, expect, it } from 'vitest';
import type { FeedStore } from '../src/feeds.js';
import { feedSubscriptions, feedTopics } from '../src/subscriptions.js';

// The table itself, without Kafka or Redis: which topics, and which events reach the store.
const applied: PostEvent[] = [];
const follows: SocialEvent[] = [];
const revocations: AuthEvent[] = [];
const store = {
  applyAll: async (events: PostEvent[]) => events.map((e) => applied.push(e) > 0),
  home: { applyFollows: async (events: SocialEvent[]) => events.map((e) => follows.push(e) > 0) },
  revoked: { applyAll: async (events: AuthEvent[]) => events.map((e) => revocations.push(e) > 0) },
} as unknown as FeedStore;
const live = feedTopics({
  FEED_TOPIC: topicFor('post').name,
  FEED_SOCIAL_TOPIC: topicFor('user').name,
  FEED_AUTH_TOPIC: topicFor('auth').name,
});

describe('feedSubscriptions', () => {
  it('reads exactly the topics mesh.json says feed-service consumes, with their declared dead-letter topics', () => {
    const topics = feedSubscriptions(store, live).map((s) => s.topic);
    expect(topics.map((t) => t.name).sort()).toEqual([...(manifest.services['feed-service']?.consumes ?? [])].sort());
    for (const t of topics) expect(t).toMatchObject({ deadLetter: manifest.topics[t.name]?.deadLetter });
  });

  it('lets FEED_TOPIC and FEED_SOCIAL_TOPIC point the entries at other topics, dead letters still where mesh.json says', () => {
    const [posts, social] = feedSubscriptions(
      store,
      feedTopics({ FEED_TOPIC: 'posts-copy', FEED_SOCIAL_TOPIC: 'social-copy', FEED_AUTH_TOPIC: 'auth-copy' }),
    );
    expect(posts?.topic).toEqual({ ...topicFor('post'), name: 'posts-copy' });
    expect(social?.topic).toEqual({ ...topicFor('user'), name: 'social-copy' });
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

  it('hands every follow and unfollow from the social topic to the home timelines', async () => {
    const social = feedSubscriptions(store, live).find((s) => s.topic.name === topicFor('user').name);
    const data = { follower_id: randomUUID(), followee_id: randomUUID() };
    const base = { schema_version: 1, time: new Date().toISOString(), actor: data.follower_id };
    const events = [
      { ...base, id: randomUUID(), type: 'user.followed', data: { ...data, version: 1 } },
      { ...base, id: randomUUID(), type: 'user.unfollowed', data: { ...data, version: 2 } },
    ];
    for (const e of events) {
      const routed = social?.route(Buffer.from(JSON.stringify(e)));
      expect(routed && 'handler' in routed && (await routed.handler([routed.event]))).toEqual([true]);
    }
    expect(follows.map((e) => e.type)).toEqual(['user.followed', 'user.unfollowed']);
  });

  it('hands every revocation from the auth topic to the revoked tokens', async () => {
    const auth = feedSubscriptions(store, live).find((s) => s.topic.name === topicFor('auth').name);
    const user_id = randomUUID();
    const base = { schema_version: 1, time: new Date().toISOString(), actor: user_id };
    const events = [
      {
        ...base,
        id: randomUUID(),
        type: 'token.revoked',
        data: { user_id, jti: randomUUID(), expires_at: 2_000_000_000 },
      },
      { ...base, id: randomUUID(), type: 'user.tokens_revoked', data: { user_id, generation: 2 } },
    ];
    for (const e of events) {
      const routed = auth?.route(Buffer.from(JSON.stringify(e)));
      expect(routed && 'handler' in routed && (await routed.handler([routed.event]))).toEqual([true]);
    }
    expect(revocations.map((e) => e.type)).toEqual(['token.revoked', 'user.tokens_revoked']);
  });
});
