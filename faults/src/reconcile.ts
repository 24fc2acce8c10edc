// Pure counting: what the clients were told (201s) against what each stage
// of the write path holds afterwards. No I/O here, so it is unit-tested.

/** One event read back from the topic, reduced to what identifies it. */
export interface SeenEvent {
  eventId: string;
  postId: string;
  version: number;
  type: string;
  /** When its change was committed (the event's `time`) and when Kafka got it, in ms. */
  committedAt: number;
  publishedAt: number;
}

export interface ReconcileInput {
  /** Ids of the posts the gateway answered 201 for. */
  acknowledged: string[];
  /** Ids of the posts of this run's authors that posts-service has stored (it lists them). */
  stored: string[];
  /** Events of this run's authors on the topic, in the range the run wrote. */
  events: SeenEvent[];
  /** Item ids of each author's feed list, as stored (one entry per list element). */
  userFeeds: string[][];
  /** Item ids of the whole global feed list. */
  globalFeed: string[];
}

export interface Reconciliation {
  acknowledged: number;
  stored: number;
  /** Stored although the client never got a 201 (e.g. the answer was lost): allowed, not a loss. */
  stored_unacknowledged: number;
  /** Distinct `post.created` events on the topic. */
  published: number;
  /** Events whose (post id, version) had already been seen: a relay publishing twice. */
  duplicate_events: number;
  in_feeds: number;
  /** List elements naming an item already in the same list: must be zero. */
  feed_duplicates: number;
  /** Acknowledged ids missing from the store, from the topic, from the feeds. */
  lost: { store: string[]; topic: string[]; feeds: string[] };
}

const duplicatesIn = (ids: string[]) => ids.length - new Set(ids).size;

/** Acknowledged posts without a `post.created` event among these: not (yet) published. */
export function unpublished(acknowledged: string[], events: SeenEvent[]): string[] {
  const created = new Set(events.filter((e) => e.type === 'post.created').map((e) => e.postId));
  return [...new Set(acknowledged)].filter((id) => !created.has(id));
}

export function reconcile(input: ReconcileInput): Reconciliation {
  const acknowledged = new Set(input.acknowledged);
  const stored = new Set(input.stored);
  const seenVersions = new Set<string>();
  let duplicateEvents = 0;
  const created = new Set<string>();
  for (const e of input.events) {
    const key = `${e.postId}:${e.version}`;
    if (seenVersions.has(key)) duplicateEvents++;
    seenVersions.add(key);
    if (e.type === 'post.created') created.add(e.postId);
  }
  const inFeeds = new Set(input.userFeeds.flat());
  const missing = (from: Set<string>) => [...acknowledged].filter((id) => !from.has(id));
  return {
    acknowledged: acknowledged.size,
    stored: [...stored].filter((id) => acknowledged.has(id)).length,
    stored_unacknowledged: [...stored].filter((id) => !acknowledged.has(id)).length,
    published: created.size,
    duplicate_events: duplicateEvents,
    in_feeds: [...inFeeds].filter((id) => acknowledged.has(id)).length,
    feed_duplicates: input.userFeeds.reduce((n, list) => n + duplicatesIn(list), 0) + duplicatesIn(input.globalFeed),
    lost: { store: missing(stored), topic: unpublished(input.acknowledged, input.events), feeds: missing(inFeeds) },
  };
}

/** Requests by kind and outcome (an HTTP status, or `network`/`timeout` when none came back). */
export type Tally = Record<string, Record<string, number>>;

export interface Outcome {
  kind: string;
  /** HTTP status, or why there was none. */
  status: number | 'network' | 'timeout';
  /** Whether the status is the one this kind of request expects. */
  ok: boolean;
  /** Milliseconds since the load started, when the request was sent. */
  at: number;
}

export function tally(outcomes: Outcome[]): { all: Tally; failed: Tally; failedTotal: number } {
  const all: Tally = {};
  const failed: Tally = {};
  let failedTotal = 0;
  for (const o of outcomes) {
    const key = String(o.status);
    (all[o.kind] ??= {})[key] = (all[o.kind]?.[key] ?? 0) + 1;
    if (!o.ok) {
      (failed[o.kind] ??= {})[key] = (failed[o.kind]?.[key] ?? 0) + 1;
      failedTotal++;
    }
  }
  return { all, failed, failedTotal };
}

/**
 * How long after `from` (ms on the load's clock) requests of `kinds` kept
 * failing: the end of the last failed request sent at or after `from`, or 0.
 */
export function failingUntil(outcomes: Outcome[], from: number, kinds?: string[]): number {
  let last = -1;
  for (const o of outcomes) {
    if (o.ok || o.at < from || (kinds && !kinds.includes(o.kind))) continue;
    last = Math.max(last, o.at);
  }
  return last < 0 ? 0 : Math.round(last - from);
}

/** What the run's readers were told and what their home timelines show afterwards. */
export interface HomeInput {
  /** Follows the gateway answered 200 for, as `<follower>:<followee>`, and those feed-service's graph holds. */
  follows: { acknowledged: string[]; inGraph: string[] };
  /** Per reader: the acknowledged posts that must be in their home timeline (their own and their followees'). */
  expected: Map<string, string[]>;
  /** Per reader: the ids their home pages showed, page after page, in order. */
  shown: Map<string, string[]>;
}

export interface HomeReconciliation {
  follows_acknowledged: number;
  follows_in_graph: number;
  /** (reader, post) pairs that must be at home, and those that are. */
  home_expected: number;
  in_homes: number;
  /** Ids shown twice in one reader's pages. */
  home_duplicates: number;
  lost: { follows: string[]; home: string[] };
}

export function reconcileHome(input: HomeInput): HomeReconciliation {
  const graph = new Set(input.follows.inGraph);
  const lostHome: string[] = [];
  let expected = 0;
  let duplicates = 0;
  for (const [reader, posts] of input.expected) {
    const shown = input.shown.get(reader) ?? [];
    duplicates += duplicatesIn(shown);
    const seen = new Set(shown);
    expected += posts.length;
    for (const post of posts) if (!seen.has(post)) lostHome.push(`${reader}:${post}`);
  }
  const acknowledged = [...new Set(input.follows.acknowledged)];
  return {
    follows_acknowledged: acknowledged.length,
    follows_in_graph: acknowledged.filter((f) => graph.has(f)).length,
    home_expected: expected,
    in_homes: expected - lostHome.length,
    home_duplicates: duplicates,
    lost: { follows: acknowledged.filter((f) => !graph.has(f)), home: lostHome },
  };
}
