import { describe, expect, it } from 'vitest';
import { failingUntil, reconcile, reconcileHome, tally, unpublished, type Outcome } from '../src/reconcile.js';

const created = (postId: string, eventId = `e-${postId}`) => ({
  eventId,
  postId,
  version: 1,
  type: 'post.created',
  committedAt: 0,
  publishedAt: 0,
});

describe('reconcile', () => {
  it('counts every stage and finds nothing lost when each acknowledged post arrived everywhere', () => {
    const r = reconcile({
      acknowledged: ['a', 'b'],
      stored: ['a', 'b', 'c'],
      events: [
        created('a'),
        created('b'),
        created('c'),
        { eventId: 'e2', postId: 'a', version: 2, type: 'post.updated', committedAt: 0, publishedAt: 0 },
      ],
      userFeeds: [['a'], ['b', 'c']],
      globalFeed: ['c', 'b', 'a'],
    });
    expect(r).toEqual({
      acknowledged: 2,
      stored: 2,
      stored_unacknowledged: 1,
      published: 3,
      duplicate_events: 0,
      in_feeds: 2,
      feed_duplicates: 0,
      lost: { store: [], topic: [], feeds: [] },
    });
  });

  it('names each acknowledged post missing from a stage', () => {
    const r = reconcile({
      acknowledged: ['a', 'b', 'c'],
      stored: ['a', 'b'],
      events: [created('a')],
      userFeeds: [['b']],
      globalFeed: [],
    });
    expect(r.lost).toEqual({ store: ['c'], topic: ['b', 'c'], feeds: ['a', 'c'] });
  });

  it('counts an event published twice (same post and version) and a list entry repeated', () => {
    const r = reconcile({
      acknowledged: ['a'],
      stored: ['a'],
      events: [created('a', 'e1'), created('a', 'e1')],
      userFeeds: [['a', 'a']],
      globalFeed: ['a', 'x', 'a', 'x'],
    });
    expect(r.duplicate_events).toBe(1);
    expect(r.published).toBe(1);
    expect(r.feed_duplicates).toBe(3);
    expect(r.in_feeds).toBe(1);
  });
});

describe('unpublished', () => {
  it('names each acknowledged post, once, that no post.created event carries', () => {
    const updated = { eventId: 'u', postId: 'b', version: 2, type: 'post.updated', committedAt: 0, publishedAt: 0 };
    expect(unpublished(['a', 'b', 'c', 'b'], [created('a'), updated, created('x')])).toEqual(['b', 'c']);
    expect(unpublished(['a'], [created('a')])).toEqual([]);
  });
});

describe('tally and failingUntil', () => {
  const outcomes: Outcome[] = [
    { kind: 'write', status: 201, ok: true, at: 100 },
    { kind: 'write', status: 503, ok: false, at: 1_200 },
    { kind: 'read', status: 'network', ok: false, at: 1_500 },
    { kind: 'read', status: 200, ok: true, at: 2_500 },
    { kind: 'write', status: 503, ok: false, at: 3_000 },
  ];

  it('counts requests by kind and status, and the failed ones apart', () => {
    expect(tally(outcomes)).toEqual({
      all: { write: { 201: 1, 503: 2 }, read: { network: 1, 200: 1 } },
      failed: { write: { 503: 2 }, read: { network: 1 } },
      failedTotal: 3,
    });
  });

  it('measures how long after a moment requests of some kinds kept failing', () => {
    expect(failingUntil(outcomes, 1_000)).toBe(2_000);
    expect(failingUntil(outcomes, 1_000, ['read'])).toBe(500);
    expect(failingUntil(outcomes, 3_500)).toBe(0);
  });
});

describe('reconcileHome', () => {
  it('counts follows missing from the graph, posts missing from a home, and ids a reader was shown twice', () => {
    const r = reconcileHome({
      follows: { acknowledged: ['r1:a', 'r1:b', 'r2:a'], inGraph: ['r1:a', 'r2:a', 'r9:z'] },
      expected: new Map([
        ['r1', ['p1', 'p2', 'p3']],
        ['r2', ['p1']],
      ]),
      shown: new Map([
        ['r1', ['p3', 'p1', 'p3', 'x']],
        ['r2', ['p1']],
      ]),
    });
    expect(r).toEqual({
      follows_acknowledged: 3,
      follows_in_graph: 2,
      home_expected: 4,
      in_homes: 3,
      home_duplicates: 1,
      lost: { follows: ['r1:b'], home: ['r1:p2'] },
    });
  });
});
