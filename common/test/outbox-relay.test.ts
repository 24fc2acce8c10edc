import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { MessageRejectedError, type EventPublisher, type OutgoingMessage } from '../src/kafka.js';
import { OutboxRelay, type Leadership, type OutboxRelayOptions } from '../src/outbox-relay.js';
import type { OutboxEntry, OutboxStorage } from '../src/outbox.js';

// The relay's bookkeeping alone, against an in-memory outbox whose reads
// answer late: a read that saw an entry while it was still pending may come
// back after the relay has recorded it published. Each storage proper is
// covered against its real server (posts-service/test/outbox.int.test.ts).
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The states of an entry in common/src/outbox.ts's drawing, which this outbox keeps as a field. */
type State = 'pending' | 'published' | 'failed';

class MemoryOutbox implements OutboxStorage {
  readonly states = new Map<string, { entry: OutboxEntry; state: State; reason?: string }>();
  /** Fails every write of an outcome while set. */
  recordingFails = false;
  /** Fails this many of the next writes of an outcome. */
  failWrites = 0;

  constructor(private readonly readDelayMs = 40) {}

  add(key: string, version: number, committedAt = new Date()): OutboxEntry {
    const entry = { id: `${key}:${version}`, key, event: { id: `e-${key}-${version}`, type: 't' }, committedAt };
    this.states.set(entry.id, { entry, state: 'pending' });
    return entry;
  }

  async pending(limit: number): Promise<OutboxEntry[]> {
    // The snapshot is taken when the read starts; the answer arrives later.
    const snapshot = [...this.states.values()].filter((s) => s.state === 'pending').map((s) => s.entry);
    await sleep(this.readDelayMs);
    return snapshot.slice(0, limit);
  }

  async markPublished(ids: readonly string[]): Promise<void> {
    await sleep(5);
    if (this.writeFails()) throw new Error('store away');
    for (const id of ids) this.move(id, 'published');
  }

  async markFailed(id: string, reason: string): Promise<void> {
    await sleep(5);
    if (this.writeFails()) throw new Error('store away');
    this.move(id, 'failed', reason);
  }

  private writeFails(): boolean {
    if (this.failWrites === 0) return this.recordingFails;
    this.failWrites--;
    return true;
  }

  stateOf(id: string) {
    const s = this.states.get(id);
    return s && { state: s.state, reason: s.reason };
  }

  private move(id: string, state: State, reason?: string) {
    const s = this.states.get(id);
    if (s?.state === 'pending') Object.assign(s, { state, reason });
  }
}

/** A publisher that keeps what it was given, and refuses what `refuse` says. */
function recordingPublisher(refuse: (m: OutgoingMessage) => Error | undefined = () => undefined) {
  const published: OutgoingMessage[] = [];
  let calls = 0;
  const publisher: EventPublisher = {
    async publish(messages) {
      calls++;
      const refusal = messages.map(refuse).find(Boolean);
      if (refusal) throw refusal;
      published.push(...messages);
    },
    close: async () => undefined,
  };
  return { publisher, published, ids: () => published.map((m) => String(m.headers?.['event-id'])), calls: () => calls };
}

// A lock always held: a single relay, as in production between leader changes.
const held: Leadership = { tryAcquire: async () => true, release: async () => undefined };
const silent = pino({ level: 'silent' });

function relayOf(
  storage: OutboxStorage,
  publisher: EventPublisher,
  extra: Partial<Pick<OutboxRelayOptions<OutboxEntry>, 'lock' | 'pollMs' | 'repair'>> = {},
) {
  return new OutboxRelay({
    storage,
    publisher,
    lock: held,
    topic: 'test-events',
    logger: silent,
    pollMs: 10,
    ...extra,
  });
}

async function until(what: string, condition: () => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('the outbox relay', () => {
  it('publishes each event once even when a read saw it before it was recorded published', async () => {
    const outbox = new MemoryOutbox();
    for (let i = 0; i < 3; i++) outbox.add(`p${i}`, 1);
    const { publisher, ids } = recordingPublisher();
    const relay = relayOf(outbox, publisher);
    relay.start();
    // Keep nudging, as committed writes do, so reads overlap the recording.
    for (let i = 0; i < 30; i++) {
      relay.nudge();
      await sleep(10);
    }
    await relay.stop();
    expect(ids().sort()).toEqual(['e-p0-1', 'e-p1-1', 'e-p2-1']);
    expect([...outbox.states.values()].every((s) => s.state === 'published')).toBe(true);
  });

  it('keeps its backoff while Kafka is away however many writes nudge it, and repairs each entry once', async () => {
    const outbox = new MemoryOutbox();
    // Committed a minute ago: old enough for the relay to repair what their requests may have left undone.
    for (let i = 0; i < 3; i++) outbox.add(`p${i}`, 1, new Date(Date.now() - 60_000));
    let attempts = 0;
    const publisher: EventPublisher = {
      publish: async () => {
        attempts++;
        throw new Error('Connection error: connect ECONNREFUSED');
      },
      close: async () => undefined,
    };
    const repaired: string[] = [];
    const relay = relayOf(outbox, publisher, { repair: async (entry) => void repaired.push(entry.key) });
    relay.start();
    // 20 writes a second for a second, as the fault suite offers.
    for (let i = 0; i < 20; i++) {
      relay.nudge();
      await sleep(50);
    }
    await relay.stop();
    // Backoff 100, 200, 400 ms (plus the 40 ms reads): a handful of attempts, not one per write.
    expect(attempts).toBeLessThanOrEqual(5);
    expect(repaired.sort()).toEqual(['p0', 'p1', 'p2']);
    expect([...outbox.states.values()].every((s) => s.state === 'pending')).toBe(true);
  });

  it('publishes every entry in commit order per key, across reads, keyed and with the event id for dedupe', async () => {
    const outbox = new MemoryOutbox(0);
    // More than one read's worth (500), keys interleaved as concurrent writers commit them.
    for (let version = 1; version <= 300; version++) for (const key of ['a', 'b', 'c']) outbox.add(key, version);
    const { publisher, published } = recordingPublisher();
    const relay = relayOf(outbox, publisher);
    relay.start();
    await until('all published', () => published.length >= 900);
    await relay.stop();
    expect(published).toHaveLength(900);
    for (const key of ['a', 'b', 'c']) {
      const mine = published.filter((m) => m.key === key).map((m) => (m.value as { id: string }).id);
      expect(mine).toEqual(Array.from({ length: 300 }, (_, i) => `e-${key}-${i + 1}`));
    }
    expect(published[0]).toMatchObject({
      topic: 'test-events',
      key: 'a',
      value: { id: 'e-a-1', type: 't' },
      headers: { 'event-id': 'e-a-1', 'event-type': 't' },
    });
  });

  it('drains a backlog of several reads in one tick, not one read per poll', async () => {
    const outbox = new MemoryOutbox(0);
    // What piles up while Kafka is away: more than three reads' worth (500 each).
    for (let version = 1; version <= 40; version++)
      for (let post = 0; post < 40; post++) outbox.add(`p${post}`, version);
    const { publisher, published } = recordingPublisher();
    // One tick only: the next poll is a minute away, so the whole backlog must go out in the first.
    const relay = relayOf(outbox, publisher, { pollMs: 60_000 });
    relay.start();
    await until('the backlog published', () => published.length >= 1_600, 2_000);
    await relay.stop();
    expect(published).toHaveLength(1_600);
    expect([...outbox.states.values()].every((s) => s.state === 'published')).toBe(true);
  });

  it('sets aside only the entry Kafka refuses for good, with the reason, and publishes the rest in order', async () => {
    const outbox = new MemoryOutbox(0);
    for (let version = 1; version <= 3; version++) outbox.add('a', version);
    outbox.add('b', 1);
    const tooLarge = new MessageRejectedError('MESSAGE_TOO_LARGE: larger than the broker accepts');
    const { publisher, ids, calls } = recordingPublisher((m) =>
      m.headers?.['event-id'] === 'e-a-2' ? tooLarge : undefined,
    );
    const relay = relayOf(outbox, publisher);
    relay.start();
    await until('the outcome of a:2 recorded', () => outbox.stateOf('a:2')?.state !== 'pending');
    await until('all recorded', () => [...outbox.states.values()].every((s) => s.state !== 'pending'));
    const callsSoFar = calls();
    await sleep(100); // several polls: the failed entry is not tried again
    await relay.stop();
    expect(ids()).toEqual(['e-a-1', 'e-a-3', 'e-b-1']);
    expect(outbox.stateOf('a:2')).toEqual({ state: 'failed', reason: tooLarge.message });
    expect(outbox.stateOf('a:3')?.state).toBe('published');
    expect(calls()).toBe(callsSoFar);
  });

  it('never marks an entry failed for an outage, even one that begins while a refused batch is sorted out', async () => {
    const outbox = new MemoryOutbox(0);
    outbox.add('a', 1);
    outbox.add('a', 2);
    outbox.add('a', 3);
    let kafkaAway = false;
    const { publisher, ids } = recordingPublisher((m) => {
      if (m.headers?.['event-id'] === 'e-a-1' && !kafkaAway) {
        kafkaAway = true; // refused in the batch; then the broker goes away
        return new MessageRejectedError('RECORD_LIST_TOO_LARGE: batch too large');
      }
      return kafkaAway && m.headers?.['event-id'] !== 'e-a-1' ? new Error('ECONNREFUSED') : undefined;
    });
    const relay = relayOf(outbox, publisher);
    relay.start();
    await until('a:1 published on its own', () => outbox.stateOf('a:1')?.state === 'published');
    await sleep(50);
    expect(outbox.stateOf('a:2')?.state).toBe('pending');
    expect(outbox.stateOf('a:3')?.state).toBe('pending');
    kafkaAway = false;
    await until('the rest published once Kafka is back', () => ids().length === 3, 10_000);
    await relay.stop();
    expect(ids()).toEqual(['e-a-1', 'e-a-2', 'e-a-3']);
  });

  it('publishes again what it could not record: at least once, never lost', async () => {
    const outbox = new MemoryOutbox(0);
    outbox.add('a', 1);
    outbox.recordingFails = true;
    const { publisher, ids } = recordingPublisher();
    const relay = relayOf(outbox, publisher);
    relay.start();
    await until('published twice', () => ids().length >= 2);
    outbox.recordingFails = false;
    await until('recorded', () => outbox.stateOf('a:1')?.state === 'published');
    await relay.stop();
    expect(new Set(ids())).toEqual(new Set(['e-a-1']));
  });

  it('goes on recording after a write of outcomes fails outright, and publishes again what that one left', async () => {
    const outbox = new MemoryOutbox(0);
    outbox.add('a', 1);
    outbox.failWrites = 1;
    // Telling of that failure fails too (a synchronous log write throws, as
    // EAGAIN on a full stdout pipe does), so the write itself rejects.
    let logWrites = 0;
    const logger = pino(
      {},
      {
        write: () => {
          if (logWrites++ === 0) throw new Error('EAGAIN: resource temporarily unavailable, write');
        },
      },
    );
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { publisher, ids } = recordingPublisher();
      const relay = new OutboxRelay({
        storage: outbox,
        publisher,
        lock: held,
        topic: 'test-events',
        logger,
        pollMs: 10,
      });
      relay.start();
      await until('published again and recorded', () => outbox.stateOf('a:1')?.state === 'published', 1_000);
      outbox.add('b', 1);
      relay.nudge();
      await until('a later entry recorded too', () => outbox.stateOf('b:1')?.state === 'published', 1_000);
      await relay.stop();
      expect(ids()).toEqual(['e-a-1', 'e-a-1', 'e-b-1']);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('repairs an old entry before publishing it, and leaves recent ones to their own requests', async () => {
    const outbox = new MemoryOutbox(0);
    outbox.add('old', 1, new Date(Date.now() - 6_000));
    outbox.add('new', 1);
    const order: string[] = [];
    const publisher: EventPublisher = {
      publish: async (messages) => void order.push(...messages.map((m) => `published ${m.key}`)),
      close: async () => undefined,
    };
    const relay = relayOf(outbox, publisher, { repair: async (entry) => void order.push(`repaired ${entry.key}`) });
    relay.start();
    await until('both published', () => order.filter((o) => o.startsWith('published')).length === 2);
    await relay.stop();
    expect(order.indexOf('repaired old')).toBeLessThan(order.indexOf('published old'));
    expect(order).not.toContain('repaired new');
  });

  it('publishes only while it holds the lock, and gives the lock up when stopped', async () => {
    const outbox = new MemoryOutbox(0);
    outbox.add('a', 1);
    let leader = false;
    let released = 0;
    const lock: Leadership = { tryAcquire: async () => leader, release: async () => void released++ };
    const { publisher, ids } = recordingPublisher();
    const relay = relayOf(outbox, publisher, { lock });
    relay.start();
    await sleep(100);
    expect(ids()).toEqual([]);
    leader = true;
    await until('published once leader', () => ids().length === 1);
    await relay.stop();
    expect(released).toBe(1);
  });

  it('stops a drain as soon as it loses the lock, not at the end of the backlog', async () => {
    const outbox = new MemoryOutbox(0);
    for (let version = 1; version <= 40; version++)
      for (let post = 0; post < 40; post++) outbox.add(`p${post}`, version);
    let leader = true;
    const lock: Leadership = { tryAcquire: async () => leader, release: async () => undefined };
    const published: OutgoingMessage[] = [];
    const publisher: EventPublisher = {
      async publish(messages) {
        published.push(...messages);
        leader = false; // the session lapsed while this batch went out: another relay may lead now
      },
      close: async () => undefined,
    };
    const relay = relayOf(outbox, publisher, { lock });
    relay.start();
    await until('the first batch published', () => published.length > 0);
    await sleep(200); // many polls and, were it still draining, all of the backlog
    await relay.stop();
    expect(published).toHaveLength(500);
  });

  it('publishes a commit it is nudged about at once, not at the next poll', async () => {
    const outbox = new MemoryOutbox(0);
    const { publisher, ids } = recordingPublisher();
    const relay = relayOf(outbox, publisher, { pollMs: 60_000 });
    relay.start();
    await sleep(50); // the first read found nothing; the next poll is a minute away
    outbox.add('a', 1);
    const nudgedAt = Date.now();
    relay.nudge();
    await until('published', () => ids().length === 1, 1_000);
    expect(Date.now() - nudgedAt).toBeLessThan(500);
    await relay.stop();
  });

  it('waits for outcomes being recorded before it stops', async () => {
    const outbox = new MemoryOutbox(0);
    outbox.add('a', 1);
    const { publisher, ids } = recordingPublisher();
    const relay = relayOf(outbox, publisher);
    relay.start();
    await until('published', () => ids().length === 1);
    await relay.stop();
    expect(outbox.stateOf('a:1')?.state).toBe('published');
  });
});
