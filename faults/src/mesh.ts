// What the fault scenarios look at beyond the test kit: the supervised
// process a scenario may signal, and where each stage of the write path
// holds a run's posts. Each fact comes from its owner: posts through
// posts-service's API, feed lists under feed-service's own key names
// (FeedStore), events from the topic and the consumer's lag from
// feed-service's /stats; nothing here knows how a service stores its data.
import { readFileSync } from 'node:fs';
import { FeedStore } from '@feedmesh/feed-service/feeds';
import type { PostSnapshot } from '@feedmesh/common';
import {
  eventually,
  getJson,
  instances,
  postEventsBetween,
  postEventsEnd,
  repoDir,
  serviceUrl,
  stack,
  type TopicEnd,
  type TopicEvent,
} from '@feedmesh/testkit';
import { Redis } from 'ioredis';
import { unpublished, type SeenEvent } from './reconcile.js';

/**
 * The pid of this stack's supervised instance of a service, from the Meta it
 * registers with, checked against the process's command line so a stale
 * entry can never make us signal someone else's process.
 */
export async function supervisedPid(service: string): Promise<number> {
  for (const i of await instances(service)) {
    if (!i.pid) continue;
    const cmdline = readFileSync(`/proc/${i.pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    if (cmdline.includes(`${repoDir}${service}/dist/index.js`)) return Number(i.pid);
  }
  throw new Error(`no supervised ${service} of this stack found in Consul`);
}

// ---------------------------------------------------------------- posts

/** The listing's largest page; a scenario's author writes fewer posts than this. */
const PAGE = 100;

/** Ids of the posts stored for these authors, as posts-service lists them (one page per author, newest first). */
export async function storedPostIds(authors: string[], token: string): Promise<string[]> {
  const ids: string[] = [];
  for (const author of authors) {
    const res = await fetch(`${stack.gatewayUrl}/api/posts?author_id=${author}&limit=${PAGE}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status !== 200) throw new Error(`listing ${author}'s posts: ${res.status} ${await res.text()}`);
    const { items } = (await res.json()) as { items: Array<{ id: string }> };
    if (items.length >= PAGE) throw new Error(`${author} has ${PAGE} posts or more: more than one page to count`);
    ids.push(...items.map((p) => p.id));
  }
  return ids;
}

// ---------------------------------------------------------------- the topic

const seen = ({ event: e, publishedAt }: TopicEvent): SeenEvent => ({
  eventId: e.id,
  postId: e.data.id,
  version: e.data.version,
  type: e.type,
  committedAt: Date.parse(e.time),
  publishedAt,
});

/** The events of a run's authors on the posts topic from `from` on, read a little further at each `catchUp`. */
export function topicLog(from: TopicEnd, authors: Set<string>) {
  let at = from;
  const events: SeenEvent[] = [];
  return {
    events,
    async catchUp(): Promise<void> {
      const to = await postEventsEnd();
      for (const e of await postEventsBetween(at, to)) if (authors.has(e.event.data.author_id)) events.push(seen(e));
      at = to;
    },
  };
}

/**
 * Waits until every acknowledged post is on the topic and the feed consumer
 * has no lag: the relay has published what the clients were promised, and
 * feed-service has applied it. Gives up after `timeoutMs` (whatever is still
 * missing then is counted as lost); says how long it waited and whether it
 * settled.
 */
export async function settle(
  acknowledged: string[],
  log: ReturnType<typeof topicLog>,
  timeoutMs = 120_000,
): Promise<{ ms: number; settled: boolean }> {
  const started = performance.now();
  const settled = await eventually(
    async () => {
      await log.catchUp();
      if (unpublished(acknowledged, log.events).length > 0) return false;
      const { body } = await getJson<{ consumer_lag: Array<{ lag: number }> }>(
        `${serviceUrl('feed-service')}/api/activity-stream/stats`,
      );
      return body.consumer_lag.length > 0 && body.consumer_lag.every((p) => p.lag === 0);
    },
    timeoutMs,
    250,
    'writes settled (every acknowledged post published, consumer lag 0)',
  ).then(
    () => true,
    () => false,
  );
  return { ms: Math.round(performance.now() - started), settled };
}

// ---------------------------------------------------------------- feeds

async function withFeeds<T>(use: (feeds: FeedStore, redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(stack.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  try {
    await redis.connect();
    return await use(new FeedStore(redis), redis);
  } finally {
    redis.disconnect();
  }
}

const itemIds = (raw: string[]) => raw.map((s) => (JSON.parse(s) as PostSnapshot).id);

/** Item ids of each author's feed list and of the whole global list, element for element. */
export function feedLists(authors: string[]): Promise<{ userFeeds: string[][]; globalFeed: string[] }> {
  return withFeeds(async (feeds, redis) => {
    const userFeeds: string[][] = [];
    for (const a of authors) userFeeds.push(itemIds(await redis.lrange(feeds.keys.user(a), 0, -1)));
    return { userFeeds, globalFeed: itemIds(await redis.lrange(feeds.keys.global(), 0, -1)) };
  });
}

/** Every feed list in Redis, the global one and every user's, element for element (SCAN, so Redis keeps serving). */
export function snapshotFeeds(): Promise<Map<string, string[]>> {
  return withFeeds(async (feeds, redis) => {
    const lists = new Map<string, string[]>();
    for (const match of [feeds.keys.global(), feeds.keys.user('*')]) {
      for await (const keys of redis.scanStream({ match, count: 500 }) as AsyncIterable<string[]>) {
        for (const k of keys) lists.set(k, await redis.lrange(k, 0, -1));
      }
    }
    return lists;
  });
}

export function flushRedis(): Promise<void> {
  return withFeeds(async (_feeds, redis) => {
    await redis.flushall();
  });
}

/** Which of these follows (follower, followee) feed-service's own graph holds, as `<follower>:<followee>`. */
export function followsInGraph(pairs: Array<[follower: string, followee: string]>): Promise<string[]> {
  return withFeeds(async (feeds, redis) => {
    const held: string[] = [];
    for (const [follower, followee] of pairs) {
      if (await redis.sismember(feeds.keys.followers(followee), follower)) held.push(`${follower}:${followee}`);
    }
    return held;
  });
}
