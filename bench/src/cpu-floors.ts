// CPU floors of a post (run by the posts benchmark, in the same run): each
// store doing its own part of one post's write path by itself, from this
// process, and the CPU ms per operation it cost the store's own programs.
// Every floor works on scratch state of its own (a database, a table, a
// topic, a key prefix), bounded in count and time, removed afterwards.
import { kafkaPublisher, POST_EVENT_SCHEMA_VERSION, type PostEvent } from '@feedmesh/common';
import { FeedStore } from '@feedmesh/feed-service/feeds';
import { positionFields } from '@feedmesh/posts-service/positions';
import { toDoc, type PostDoc } from '@feedmesh/posts-service/store';
import { cpuByComponent, cpuTotal, cpuUsed, sleep, stack, supervisedPids, type CpuSample } from '@feedmesh/testkit';
import { Redis } from 'ioredis';
import { MongoClient, ObjectId } from 'mongodb';
import pg from 'pg';
import { scratchTopic } from './scratch-topic.js';
import type { CpuFloor, CpuFloors } from './sections.js';

/** What the posts benchmark creates, and so what every floor stores, sends or applies. */
export const POST_INPUT = { title: 'Benchmark post', content: 'x'.repeat(200), tags: ['bench'] };

/**
 * Seconds each floor is measured for: CPU time is read in clock ticks (10 ms)
 * per process, so a floor needs seconds of work, not a fixed count, for the
 * rounding to stay small; it is divided by the operations done meanwhile.
 */
const SECONDS = Number(process.env.BENCH_FLOOR_SECONDS ?? 4);
/** Most calls one floor makes, however fast the machine. */
const MAX_CALLS = 100_000;
/** Seconds of calls before the reading starts: connections, prepared plans, the JIT, topic metadata. */
const WARMUP_SECONDS = 1;
/** Calls in flight at once, as a load at 100/s keeps a few requests in flight. */
const CONCURRENCY = 8;
const BATCH = 100;
const BACKGROUND_SECONDS = 5;

/** A post as posts-service makes one (a fresh id each), at a place in the listings. */
function newPost(n: number) {
  const at = new Date().toISOString();
  const id = new ObjectId().toHexString();
  const post = { id, author_id: 'cpu-floor', ...POST_INPUT, created_at: at, updated_at: at, version: 1 };
  return { post, position: positionFields(post.author_id, n + 1, n + 1) };
}

const postCreated = (n: number): PostEvent => {
  const { post } = newPost(n);
  const { created_at: time, author_id: actor } = post;
  return {
    id: crypto.randomUUID(),
    schema_version: POST_EVENT_SCHEMA_VERSION,
    time,
    actor,
    type: 'post.created',
    data: post,
  };
};

async function background(pids: Map<string, number>): Promise<CpuSample> {
  const before = cpuByComponent(pids);
  await sleep(BACKGROUND_SECONDS * 1000);
  const used = cpuUsed(before, cpuByComponent(pids));
  return Object.fromEntries(Object.entries(used).map(([name, ms]) => [name, ms / BACKGROUND_SECONDS]));
}

interface Floor {
  operation: string;
  components: string[];
  /** One call: does its operations (numbered from its argument, for distinct ids) and says how many. */
  call: (n: number) => Promise<number>;
  /** Calls in flight at once. */
  concurrency?: number;
}

/** Runs a floor's calls: a warm-up, then SECONDS more (MAX_CALLS at most) with the CPU read around them. */
async function measure(pids: Map<string, number>, idle: CpuSample, floor: Floor): Promise<CpuFloor> {
  const { operation, components, call, concurrency = CONCURRENCY } = floor;
  let started = 0;
  const run = async (upTo: number, until: number) => {
    let done = 0;
    const worker = async () => {
      while (started < upTo && performance.now() < until) {
        const did = await call(started++); // then added: `done += await` would add to a stale `done`
        done += did;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return done;
  };
  process.stderr.write(`  floor: ${operation} ...\n`);
  await run(MAX_CALLS, performance.now() + WARMUP_SECONDS * 1000);
  const before = cpuByComponent(pids);
  const t0 = performance.now();
  const operations = await run(started + MAX_CALLS, t0 + SECONDS * 1000);
  const used = cpuUsed(before, cpuByComponent(pids));
  const seconds = (performance.now() - t0) / 1000;
  const cpu: CpuSample = {};
  for (const name of components) {
    const own = (used[name] ?? Number.NaN) - (idle[name] ?? 0) * seconds;
    cpu[name] = Math.round((Math.max(0, own) / operations) * 1000) / 1000;
  }
  return {
    operation,
    components,
    operations,
    seconds: Math.round(seconds * 100) / 100,
    cpu_ms_per_op: cpu,
    cpu_ms_per_op_total: cpuTotal(cpu),
  };
}

/** Runs every floor in turn, each on its own scratch state, and removes that state whatever happens. */
export async function cpuFloors(): Promise<CpuFloors> {
  const stamp = `${process.pid}_${Date.now()}`;
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const pids = supervisedPids();
    const idle = await background(pids);

    // The document posts-service stores for a post, into a collection of a scratch database.
    const mongo = await new MongoClient(stack.mongodbUrl).connect();
    const scratchDb = mongo.db(`cpu_floor_${stamp}`);
    cleanups.push(async () => {
      await scratchDb.dropDatabase();
      await mongo.close();
    });
    const docs = scratchDb.collection<PostDoc>('posts');
    const ferretdb_insert = await measure(pids, idle, {
      operation: 'FerretDB insertOne of the post document',
      components: ['mongodb', 'postgres'],
      call: async (n) => {
        const { post, position } = newPost(n);
        await docs.insertOne(toDoc(post, position));
        return 1;
      },
    });

    // A row of the same fields into a scratch table, one prepared INSERT each.
    const pool = new pg.Pool({ connectionString: stack.databaseUrl, max: CONCURRENCY });
    const table = `cpu_floor_${stamp}`;
    cleanups.push(async () => {
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
      await pool.end();
    });
    await pool.query(
      `CREATE TABLE ${table} (id text PRIMARY KEY, author_id text NOT NULL, title text NOT NULL,
       content text NOT NULL, tags text[] NOT NULL, created_at timestamptz NOT NULL,
       updated_at timestamptz NOT NULL, version integer NOT NULL)`,
    );
    const insert = `INSERT INTO ${table} VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`;
    const postgres_insert = await measure(pids, idle, {
      operation: 'PostgreSQL INSERT of a row of the same fields',
      components: ['postgres'],
      call: async (n) => {
        const { post: p } = newPost(n);
        const values = [p.id, p.author_id, p.title, p.content, p.tags, p.created_at, p.updated_at, p.version];
        await pool.query({ name: 'cpu-floor-insert', text: insert, values });
        return 1;
      },
    });

    // The post's event to a scratch topic laid out like the posts topic, with the relay's own publisher (acks=all).
    const { kafka, topic, remove } = await scratchTopic(`cpu-floor-${stamp}`);
    const publisher = kafkaPublisher(kafka);
    cleanups.push(async () => {
      await publisher.close();
      await remove();
    });
    const message = (n: number) => {
      const event = postCreated(n);
      return { topic, key: event.data.id, value: event };
    };
    // One call at a time, as the relay sends (its idempotent producer keeps one request in flight).
    const kafka_produce = await measure(pids, idle, {
      operation: 'Kafka produce, one message per request',
      components: ['kafka'],
      concurrency: 1,
      call: async (n) => {
        await publisher.publish([message(n)]);
        return 1;
      },
    });
    const kafka_produce_batched = await measure(pids, idle, {
      operation: `Kafka produce, ${BATCH} messages per request`,
      components: ['kafka'],
      concurrency: 1,
      call: async (n) => {
        await publisher.publish(Array.from({ length: BATCH }, (_, i) => message(n * BATCH + i)));
        return BATCH;
      },
    });

    // feed-service's own store and script (EVALSHA once loaded), on keys under a scratch prefix.
    const redis = new Redis(stack.redisUrl);
    const feeds = new FeedStore(redis, undefined, `cpu-floor:${stamp}`);
    cleanups.push(async () => {
      await feeds.wipe();
      await redis.quit();
    });
    const feed_script = await measure(pids, idle, {
      operation: "feed-service's Lua script applying a post.created",
      components: ['redis'],
      call: async (n) => {
        await feeds.apply(postCreated(n));
        return 1;
      },
    });

    const floors = { ferretdb_insert, postgres_insert, kafka_produce, kafka_produce_batched, feed_script };
    const round = (n: number) => Math.round(n * 10) / 10;
    return { background_ms_per_s: Object.fromEntries(Object.entries(idle).map(([k, v]) => [k, round(v)])), floors };
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((err: unknown) => process.stderr.write(`  floor cleanup failed: ${String(err)}\n`));
    }
  }
}
