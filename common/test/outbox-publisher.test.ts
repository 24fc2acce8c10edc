import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { MessageRejectedError, type EventPublisher, type OutgoingMessage } from '../src/kafka.js';
import {
  OutboxPublisher,
  PRUNE_KEEP_MS,
  type Leadership,
  type OutboxPublisherOptions,
} from '../src/outbox-publisher.js';
import type { OutboxCheckpoint, OutboxEntry, OutboxLog } from '../src/outbox.js';

// The publisher's bookkeeping alone, against an in-memory log. Each log
// proper is covered against its real server (posts-service/test/outbox.int.test.ts),
// and the whole path end to end (test/posts.int.test.ts, the fault suite).
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Logged {
  entry: OutboxEntry;
  instance: string;
  failed?: string;
}

class MemoryLog implements OutboxLog {
  readonly entries: Logged[] = [];
  readonly saved = new Map<string, OutboxCheckpoint>();

  add(instance: string, key: string, version: number, committedAt: Date): OutboxEntry {
    const entry = { id: `${key}:${version}`, key, event: { id: `e-${key}-${version}`, type: 't' }, committedAt };
    this.entries.push({ entry, instance });
    return entry;
  }

  async *committed(instance: string, from: Date, to: Date): AsyncIterable<OutboxEntry[]> {
    await sleep(1);
    yield this.entries
      .filter((e) => e.instance === instance && !e.failed && e.entry.committedAt >= from && e.entry.committedAt < to)
      .map((e) => e.entry);
  }

  async markFailed(id: string, reason: string): Promise<void> {
    const logged = this.entries.find((e) => e.entry.id === id);
    if (logged) logged.failed = reason;
  }

  async checkpoints(): Promise<OutboxCheckpoint[]> {
    return [...this.saved.values()];
  }

  async saveCheckpoint(checkpoint: OutboxCheckpoint): Promise<void> {
    this.saved.set(checkpoint.instance, checkpoint);
  }

  async removeCheckpoint(checkpoint: OutboxCheckpoint): Promise<void> {
    if (this.saved.get(checkpoint.instance)?.heartbeat === checkpoint.heartbeat) this.saved.delete(checkpoint.instance);
  }

  readonly prunes: Date[] = [];
  async prune(before: Date): Promise<number> {
    this.prunes.push(before);
    const kept = this.entries.filter((e) => e.failed || e.entry.committedAt >= before);
    const removed = this.entries.length - kept.length;
    this.entries.splice(0, this.entries.length, ...kept);
    return removed;
  }
}

/** A publisher that keeps what it was given, fails while `away`, and refuses what `refuse` says. */
function recordingPublisher(refuse: (m: OutgoingMessage) => boolean = () => false) {
  const state = { away: false, requests: 0, published: [] as OutgoingMessage[] };
  const publisher: EventPublisher = {
    async publish(messages) {
      state.requests++;
      await sleep(2);
      if (state.away) throw new Error('no broker');
      if (messages.some(refuse)) throw new MessageRejectedError('MESSAGE_TOO_LARGE: too large');
      state.published.push(...messages);
    },
    close: async () => undefined,
  };
  return { publisher, state, ids: () => state.published.map((m) => String(m.headers?.['event-id'])) };
}

const held: Leadership = { tryAcquire: async () => true, release: async () => undefined };
const notHeld: Leadership = { tryAcquire: async () => false, release: async () => undefined };
const started: Array<OutboxPublisher<OutboxEntry>> = [];
afterEach(async () => {
  for (const p of started.splice(0)) await p.stop();
});

async function publisherOf(
  log: MemoryLog,
  publisher: EventPublisher,
  extra: Partial<OutboxPublisherOptions<OutboxEntry>> = {},
) {
  const p = new OutboxPublisher({
    log,
    publisher,
    topic: 'test-events',
    instance: 'me',
    lock: held,
    logger: pino({ level: 'silent' }),
    checkpointMs: 10,
    deadAfterMs: 1_000,
    lingerMs: 0,
    ...extra,
  });
  await p.start();
  started.push(p);
  return p;
}

/** Commits an entry the way a store does: begin, write to the log, then hand it over. */
function commit(p: OutboxPublisher<OutboxEntry>, log: MemoryLog, key: string, version: number) {
  const c = p.begin();
  p.committed(c, log.add('me', key, version, c.committedAt));
  return c;
}

async function until(what: string, condition: () => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

describe('the outbox publisher', () => {
  it('publishes each commit at once, in commit order, and sends what queued meanwhile in one request', async () => {
    const log = new MemoryLog();
    const kafka = recordingPublisher();
    const p = await publisherOf(log, kafka.publisher);
    for (let v = 1; v <= 20; v++) commit(p, log, 'a', v);
    await until('all published', () => kafka.state.published.length === 20);
    expect(kafka.ids()).toEqual(Array.from({ length: 20 }, (_, i) => `e-a-${i + 1}`));
    expect(kafka.state.requests).toBe(2); // the first alone, the 19 that queued behind it together
  });

  it('under load spaces its requests by the linger, so entries go out together', async () => {
    const log = new MemoryLog();
    const kafka = recordingPublisher();
    const p = await publisherOf(log, kafka.publisher, { lingerMs: 50 });
    for (let i = 0; i < 10; i++) {
      commit(p, log, `k${i}`, 1);
      await sleep(10);
    }
    await until('all published', () => kafka.state.published.length === 10);
    expect(kafka.state.requests).toBeLessThanOrEqual(4); // 100 ms of commits, at most one request per 50 ms
  });

  it('never moves its checkpoint past a commit that is not on the topic yet', async () => {
    const log = new MemoryLog();
    const kafka = recordingPublisher();
    kafka.state.away = true;
    const p = await publisherOf(log, kafka.publisher);
    const first = commit(p, log, 'a', 1);
    commit(p, log, 'b', 1);
    await sleep(50);
    expect(log.saved.get('me')?.publishedBefore).toEqual(first.committedAt);
    expect(p.backlog).toBe(2);
    kafka.state.away = false; // Kafka is back: the backlog goes, in order, and the checkpoint moves on
    await until('published after the outage', () => kafka.state.published.length === 2, 10_000);
    expect(kafka.ids()).toEqual(['e-a-1', 'e-b-1']);
    await until('checkpoint past them', () => log.saved.get('me')!.publishedBefore > first.committedAt);
  });

  it('holds the checkpoint at a commit still being written, and lets it go if the write was refused', async () => {
    const log = new MemoryLog();
    const p = await publisherOf(log, recordingPublisher().publisher);
    const writing = p.begin();
    await sleep(30);
    expect(log.saved.get('me')?.publishedBefore).toEqual(writing.committedAt);
    p.failed(writing);
    await until('checkpoint moved', () => log.saved.get('me')!.publishedBefore > writing.committedAt);
  });

  it('finds out from the log whether a write whose outcome is unknown landed, and publishes it if it did', async () => {
    const log = new MemoryLog();
    const kafka = recordingPublisher();
    const p = await publisherOf(log, kafka.publisher);
    const uncertain = (key: string, agoMs: number, landed: boolean) => {
      const c = p.begin();
      Object.assign(c, { committedAt: new Date(Date.now() - agoMs) }); // began this long ago
      if (landed) log.add('me', key, 1, c.committedAt); // the write threw, but the document is there
      p.unknown(c);
      return c;
    };
    uncertain('recent', 0, true); // may still be landing: not looked up yet
    uncertain('landed', 40_000, true); // surely over, and there
    const lost = uncertain('lost', 39_000, false); // surely over, and nothing there
    await until('published', () => kafka.ids().includes('e-landed-1'));
    await until('checkpoint past the lost one', () => log.saved.get('me')!.publishedBefore > lost.committedAt);
    await sleep(50);
    expect(kafka.ids()).toEqual(['e-landed-1']);
  });

  it('first publishes what its predecessor of the same instance left after its checkpoint, then anything new', async () => {
    const log = new MemoryLog();
    const t0 = new Date(Date.now() - 10_000);
    log.add('me', 'old', 1, new Date(t0.getTime() - 1)); // before the checkpoint: published then
    log.add('me', 'left', 1, new Date(t0.getTime() + 1));
    log.add('me', 'left', 2, new Date(t0.getTime() + 2));
    await log.saveCheckpoint({ instance: 'me', publishedBefore: t0, heartbeat: new Date(t0.getTime() + 5) });
    const kafka = recordingPublisher();
    const p = await publisherOf(log, kafka.publisher);
    commit(p, log, 'new', 1);
    await until('all out', () => kafka.state.published.length === 3);
    expect(kafka.ids()).toEqual(['e-left-1', 'e-left-2', 'e-new-1']);
  });

  it("as leader recovers a dead instance's entries after its checkpoint, then removes the checkpoint", async () => {
    const log = new MemoryLog();
    const died = new Date(Date.now() - 5_000);
    log.add('dead', 'x', 1, new Date(died.getTime() - 100));
    await log.saveCheckpoint({ instance: 'dead', publishedBefore: new Date(died.getTime() - 200), heartbeat: died });
    await log.saveCheckpoint({ instance: 'alive', publishedBefore: new Date(), heartbeat: new Date() });

    const follower = recordingPublisher();
    await publisherOf(log, follower.publisher, { lock: notHeld, instance: 'other' });
    await sleep(50);
    expect(follower.state.published).toHaveLength(0); // only the leader recovers

    const repaired: string[] = [];
    const leader = recordingPublisher();
    await publisherOf(log, leader.publisher, { repair: async (e) => void repaired.push(e.id) });
    await until('recovered', () => !log.saved.has('dead'));
    expect(leader.ids()).toEqual(['e-x-1']);
    expect(repaired).toEqual(['x:1']); // its request died with it: the projection is redone first
    expect(log.saved.has('alive')).toBe(true);
  });

  it('as leader prunes what every instance published, an hour past the lowest checkpoint, failed entries kept', async () => {
    const log = new MemoryLog();
    const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    const old = log.add('other', 'old', 1, ago(200));
    log.add('other', 'refused', 1, ago(200));
    await log.markFailed('refused:1', 'too large');
    log.add('other', 'recent', 1, ago(120));
    // A live instance that has published only what it committed before 90 minutes ago.
    await log.saveCheckpoint({ instance: 'other', publishedBefore: ago(90), heartbeat: new Date() });

    await publisherOf(log, recordingPublisher().publisher, { lock: notHeld, instance: 'follower' });
    await sleep(50);
    expect(log.prunes).toEqual([]); // only the leader prunes

    await publisherOf(log, recordingPublisher().publisher);
    await until('pruned', () => log.prunes.length > 0);
    expect(Math.abs(log.prunes[0]!.getTime() - (ago(90).getTime() - PRUNE_KEEP_MS))).toBeLessThan(1_000);
    expect(log.entries.map((e) => e.entry.id)).toEqual(['refused:1', 'recent:1']);
    expect(log.entries.map((e) => e.entry.id)).not.toContain(old.id);
    await sleep(50);
    expect(log.prunes).toHaveLength(1); // once a minute, not every housekeeping
  });

  it('records a message Kafka refuses for what it is as failed, and still publishes the rest in order', async () => {
    const log = new MemoryLog();
    const kafka = recordingPublisher((m) => m.key === 'huge');
    const p = await publisherOf(log, kafka.publisher);
    commit(p, log, 'a', 1);
    commit(p, log, 'huge', 1);
    commit(p, log, 'b', 1);
    await until('settled', () => p.backlog === 0);
    expect(kafka.ids()).toEqual(['e-a-1', 'e-b-1']);
    expect(log.entries.find((e) => e.entry.key === 'huge')?.failed).toMatch(/MESSAGE_TOO_LARGE/);
  });

  it('repairs an entry whose writes after the commit failed before publishing it', async () => {
    const log = new MemoryLog();
    const kafka = recordingPublisher();
    const order: string[] = [];
    const p = await publisherOf(log, kafka.publisher, {
      repair: async (e) => void order.push(`repair ${e.id}`),
    });
    const c = p.begin();
    // As if committed long enough ago that its request is over.
    Object.assign(c, { committedAt: new Date(Date.now() - 10_000) });
    p.committed(c, log.add('me', 'p', 2, c.committedAt), { repair: true });
    await until('published', () => kafka.state.published.length === 1);
    expect(order).toEqual(['repair p:2']);
  });

  it('keeps writing its heartbeat while the rest of its housekeeping fails, so it never looks dead', async () => {
    const log = new MemoryLog();
    log.committed = () => ({
      [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('store away')) }),
    });
    const p = await publisherOf(log, recordingPublisher().publisher);
    const c = p.begin();
    Object.assign(c, { committedAt: new Date(Date.now() - 60_000) }); // a write that threw long ago
    p.unknown(c);
    const first = (await (async () => (await until('a checkpoint', () => log.saved.has('me')), log.saved.get('me')!))())
      .heartbeat;
    await until('a later heartbeat', () => log.saved.get('me')!.heartbeat > first);
  });

  it('gives commits times that never go back, even when the clock does', () => {
    const log = new MemoryLog();
    const p = new OutboxPublisher({
      log,
      publisher: recordingPublisher().publisher,
      topic: 't',
      instance: 'me',
      lock: held,
      logger: pino({ level: 'silent' }),
      checkpointMs: 1_000,
      deadAfterMs: 1_000,
      lingerMs: 0,
    });
    const first = p.begin();
    const now = Date.now;
    Date.now = () => now() - 60_000; // the clock steps back a minute
    try {
      expect(p.begin().committedAt.getTime()).toBeGreaterThanOrEqual(first.committedAt.getTime());
      p.failed(first);
      expect(p.publishedBefore().getTime()).toBeGreaterThanOrEqual(first.committedAt.getTime());
    } finally {
      Date.now = now;
    }
  });

  it('on stop publishes what it holds and writes a last checkpoint', async () => {
    const log = new MemoryLog();
    const kafka = recordingPublisher();
    const p = await publisherOf(log, kafka.publisher, { lingerMs: 1_000, checkpointMs: 60_000 });
    commit(p, log, 'a', 1);
    await until('first out', () => kafka.state.published.length === 1);
    commit(p, log, 'a', 2); // waits for the linger
    started.splice(started.indexOf(p), 1);
    await p.stop();
    expect(kafka.ids()).toEqual(['e-a-1', 'e-a-2']);
    expect(log.saved.get('me')!.publishedBefore.getTime()).toBeGreaterThan(Date.now() - 1_000);
  });
});
