// The running stack as the fault scenarios see it: its addresses (exported by
// `stack/mesh faults`), the CLI that takes components away, and read-only
// looks into each store to count what arrived where.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { createKafka, createLogger, POSTS_TOPIC, postEvent } from '@feedmesh/common';
import { env } from '@feedmesh/bench/setup';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import type { SeenEvent } from './reconcile.js';

const run = promisify(execFile);
export const repo = new URL('../../', import.meta.url).pathname;

export const addr = {
  gateway: env('GATEWAY_URL'),
  consul: env('CONSUL_URL'),
  traefik: env('TRAEFIK_API_URL'),
  feed: env('FEED_URL'),
  mongodb: env('MONGODB_URL'),
  redis: env('REDIS_URL'),
  kafka: env('KAFKA_BROKERS'),
};

const SERVICES = ['auth-service', 'profile-service', 'posts-service', 'feed-service'] as const;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `stack/mesh <args>` on this stack (the environment carries FEEDMESH_PORT_OFFSET). */
export async function mesh(...args: string[]): Promise<void> {
  await run(`${repo}stack/mesh`, args, { timeout: 300_000 });
}

/** Polls until `probe` holds; resolves with the milliseconds it took. */
export async function until(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs = 60_000,
  everyMs = 100,
): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if (await probe().catch(() => false)) return Math.round(performance.now() - t0);
    await sleep(everyMs);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

async function getJson<T>(url: string): Promise<T | undefined> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  if (!res.ok) {
    await res.body?.cancel();
    return undefined;
  }
  return (await res.json()) as T;
}

// ---------------------------------------------------------------- Consul and Traefik

interface HealthEntry {
  Service: { ID: string; Meta?: Record<string, string> };
  Checks: Array<{ ServiceID: string; Status: string }>;
}

export async function instances(service: string): Promise<Array<{ id: string; status: string; pid?: string }>> {
  const body = (await getJson<HealthEntry[]>(`${addr.consul}/v1/health/service/${service}`)) ?? [];
  return body.map((e) => ({
    id: e.Service.ID,
    status: e.Checks.filter((c) => c.ServiceID === e.Service.ID).every((c) => c.Status === 'passing')
      ? 'passing'
      : (e.Checks.find((c) => c.ServiceID === e.Service.ID)?.Status ?? 'none'),
    pid: e.Service.Meta?.pid,
  }));
}

export async function allPassing(): Promise<boolean> {
  for (const s of SERVICES) if (!(await instances(s)).some((i) => i.status === 'passing')) return false;
  return true;
}

/** The server URLs Traefik balances a Consul service over right now. */
export async function routedUrls(service: string): Promise<string[]> {
  const body = await getJson<{ loadBalancer?: { servers?: Array<{ url: string }> } }>(
    `${addr.traefik}/api/http/services/${service}@consulcatalog`,
  );
  return (body?.loadBalancer?.servers ?? []).map((s) => s.url);
}

export async function allRouted(): Promise<boolean> {
  for (const s of SERVICES) if ((await routedUrls(s)).length === 0) return false;
  return true;
}

export async function deregister(id: string): Promise<void> {
  await fetch(`${addr.consul}/v1/agent/service/deregister/${encodeURIComponent(id)}`, { method: 'PUT' }).then((r) =>
    r.body?.cancel(),
  );
}

/**
 * The pid of this stack's supervised instance of a service, from the Meta it
 * registers with, checked against the process's command line so a stale
 * entry can never make us signal someone else's process.
 */
export async function supervisedPid(service: string): Promise<number> {
  for (const i of await instances(service)) {
    if (!i.pid) continue;
    const cmdline = readFileSync(`/proc/${i.pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    if (cmdline.includes(`${repo}${service}/dist/index.js`)) return Number(i.pid);
  }
  throw new Error(`no supervised ${service} of this stack found in Consul`);
}

// ---------------------------------------------------------------- stores

/** Ids of the posts stored for these authors (one query per author: an equality the index serves). */
export async function storedPostIds(authors: string[]): Promise<string[]> {
  const mongo = new MongoClient(addr.mongodb, { serverSelectionTimeoutMS: 5_000 });
  try {
    const posts = mongo.db('posts_db').collection<{ _id: string; author_id: string }>('posts');
    const ids: string[] = [];
    for (const a of authors)
      ids.push(...(await posts.find({ author_id: a }, { projection: { _id: 1 } }).toArray()).map((d) => d._id));
    return ids;
  } finally {
    await mongo.close();
  }
}

/** Events the relay has committed but not yet published. */
async function pendingEvents(): Promise<number> {
  const mongo = new MongoClient(addr.mongodb, { serverSelectionTimeoutMS: 5_000 });
  try {
    return await mongo.db('posts_db').collection('post_events').countDocuments({ pending: true });
  } finally {
    await mongo.close();
  }
}

export type TopicEnd = Array<{ partition: number; offset: string }>;

const kafka = () =>
  createKafka({ clientId: 'faults', brokers: addr.kafka.split(','), logger: createLogger('faults', 'silent') });

export async function topicEnd(): Promise<TopicEnd> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(POSTS_TOPIC)).map(({ partition, offset }) => ({ partition, offset }));
  } finally {
    await admin.disconnect();
  }
}

/** Every event of these authors between two ends of the topic, read with kcat partition by partition. */
export async function eventsBetween(from: TopicEnd, to: TopicEnd, authors: Set<string>): Promise<SeenEvent[]> {
  const seen: SeenEvent[] = [];
  for (const { partition, offset } of to) {
    const start = Number(from.find((f) => f.partition === partition)?.offset ?? 0);
    const count = Number(offset) - start;
    if (count <= 0) continue;
    const { stdout } = await run(
      'kcat',
      [
        '-C',
        '-b',
        addr.kafka,
        '-t',
        POSTS_TOPIC,
        '-p',
        String(partition),
        '-o',
        String(start),
        '-c',
        String(count),
        '-e',
        '-q',
        '-f',
        '%s\\n',
      ],
      {
        maxBuffer: 512 * 1024 * 1024,
        timeout: 120_000,
      },
    );
    for (const line of stdout.split('\n')) {
      if (!line) continue;
      const e = postEvent.parse(JSON.parse(line));
      if (authors.has(e.data.author_id))
        seen.push({ eventId: e.id, postId: e.data.id, version: e.data.version, type: e.type });
    }
  }
  return seen;
}

const feedKeys = { global: 'feed:activity:global', user: (id: string) => `feed:activity:user:${id}` };

const itemIds = (raw: string[]) => raw.map((s) => (JSON.parse(s) as { id: string }).id);

export async function feedLists(authors: string[]): Promise<{ userFeeds: string[][]; globalFeed: string[] }> {
  const redis = new Redis(addr.redis, { lazyConnect: true, maxRetriesPerRequest: 2 });
  try {
    await redis.connect();
    const userFeeds: string[][] = [];
    for (const a of authors) userFeeds.push(itemIds(await redis.lrange(feedKeys.user(a), 0, -1)));
    return { userFeeds, globalFeed: itemIds(await redis.lrange(feedKeys.global, 0, -1)) };
  } finally {
    redis.disconnect();
  }
}

/** Every feed list in Redis, element for element (SCAN, so Redis keeps serving). */
export async function snapshotFeeds(): Promise<Map<string, string[]>> {
  const redis = new Redis(addr.redis, { lazyConnect: true });
  try {
    await redis.connect();
    const lists = new Map<string, string[]>();
    for await (const keys of redis.scanStream({ match: 'feed:activity:*', count: 500 }) as AsyncIterable<string[]>) {
      for (const k of keys) lists.set(k, await redis.lrange(k, 0, -1));
    }
    return lists;
  } finally {
    redis.disconnect();
  }
}

export async function flushRedis(): Promise<void> {
  const redis = new Redis(addr.redis, { lazyConnect: true });
  try {
    await redis.connect();
    await redis.flushall();
  } finally {
    redis.disconnect();
  }
}

/** Waits until the relay has published everything and the feed consumer has caught up; returns the ms it took. */
export async function settle(timeoutMs = 120_000): Promise<number> {
  return until(
    'writes settled (outbox empty, consumer lag 0)',
    async () => {
      if ((await pendingEvents()) > 0) return false;
      const stats = await getJson<{ consumer_lag: Array<{ lag: number }> }>(`${addr.feed}/api/activity-stream/stats`);
      return !!stats && stats.consumer_lag.length > 0 && stats.consumer_lag.every((p) => p.lag === 0);
    },
    timeoutMs,
    250,
  );
}
