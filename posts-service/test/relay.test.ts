import type { EventPublisher, LeaderLock, OutgoingMessage } from '@feedmesh/common';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Relay } from '../src/relay.js';
import type { EventDoc, PostStore } from '../src/store.js';

// The relay's bookkeeping alone, against an in-memory outbox whose queries
// answer late: a query that read an event while it was still pending may come
// back after the relay has marked it published. Store behaviour proper is
// covered against the real stack (store.int.test.ts, posts.int.test.ts).
function slowOutbox(count: number, committedAt = new Date()) {
  const now = committedAt;
  const docs = new Map<string, EventDoc>();
  for (let i = 0; i < count; i++) {
    const _id = `p${i}:0000000001`;
    docs.set(_id, {
      _id,
      post_id: `p${i}`,
      version: 1,
      pending: true,
      committed_at: now,
      event: { id: `e${i}`, type: 'post.created', data: { id: `p${i}`, version: 1 } } as unknown as EventDoc['event'],
    });
  }
  const events = {
    find: () => ({
      sort: () => ({
        limit: () => ({
          // The snapshot is taken when the query starts; the answer arrives 40 ms later.
          toArray: async () => {
            const snapshot = [...docs.values()].filter((d) => d.pending).map((d) => ({ ...d }));
            await new Promise((r) => setTimeout(r, 40));
            return snapshot;
          },
        }),
      }),
    }),
    updateOne: async ({ _id }: { _id: string }) => {
      await new Promise((r) => setTimeout(r, 5));
      delete docs.get(_id)!.pending;
    },
  };
  const projections: string[] = [];
  const repair = async (doc: EventDoc) => {
    projections.push(doc.event.data.id);
  };
  return { store: { events, repair } as unknown as PostStore, docs, projections };
}

// A lock always held: a single relay, as in production between leader changes.
const lock = { tryAcquire: async () => true, release: async () => undefined } as unknown as LeaderLock;

describe('the outbox relay', () => {
  it('publishes each event once even when a query read it before it was marked published', async () => {
    const { store } = slowOutbox(3);
    const published: string[] = [];
    const publisher: EventPublisher = {
      publish: async (messages: OutgoingMessage[]) => {
        published.push(...messages.map((m) => String(m.headers?.['event-id'])));
      },
      close: async () => undefined,
    };
    const relay = new Relay({ store, publisher, lock, logger: pino({ level: 'silent' }), pollMs: 10 });
    relay.start();
    // Keep nudging, as committed writes do, so queries overlap the marking.
    for (let i = 0; i < 30; i++) {
      relay.nudge();
      await new Promise((r) => setTimeout(r, 10));
    }
    await relay.stop();
    expect(published.sort()).toEqual(['e0', 'e1', 'e2']);
  });

  it('keeps its backoff while Kafka is away however many writes nudge it, and redoes each projection once', async () => {
    // Committed a minute ago: old enough for the relay to redo their projections.
    const { store, projections } = slowOutbox(3, new Date(Date.now() - 60_000));
    let attempts = 0;
    const publisher: EventPublisher = {
      publish: async () => {
        attempts++;
        throw new Error('Connection error: connect ECONNREFUSED');
      },
      close: async () => undefined,
    };
    const relay = new Relay({ store, publisher, lock, logger: pino({ level: 'silent' }), pollMs: 10 });
    relay.start();
    // 20 writes a second for a second, as the fault suite offers.
    for (let i = 0; i < 20; i++) {
      relay.nudge();
      await new Promise((r) => setTimeout(r, 50));
    }
    await relay.stop();
    // Backoff 100, 200, 400 ms (plus the 40 ms queries): a handful of attempts, not one per write.
    expect(attempts).toBeLessThanOrEqual(5);
    expect(projections.sort()).toEqual(['p0', 'p1', 'p2']);
  });
});
