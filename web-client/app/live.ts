import { EventSourceParserStream } from 'eventsource-parser/stream';
import { errorOf } from './api.js';

/**
 * A live stream read with fetch, since a browser's EventSource cannot send
 * the Authorization header the home stream needs (and the token must never
 * go into a URL). It resumes where it stopped with Last-Event-ID, waits as
 * the server says on `shutdown` (its `retry:`), and otherwise backs off
 * exponentially, with jitter so that clients cut together do not return together.
 */
export interface LiveHandlers {
  /** A change: `post.created`, `post.updated`, `post.deleted`, with its data parsed. */
  change(type: string, data: unknown): void;
  /** The stream can no longer resume from where it was: reload the listing. */
  reset(): void;
  /** The token is no longer good (logged out, revoked): the session is over. */
  signedOut(): void;
  /** Whether the stream is open now, for the page to say so. */
  connected(open: boolean): void;
}

const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;
const CHANGES = new Set(['post.created', 'post.updated', 'post.deleted']);

export interface LiveStream {
  close(): void;
}

export function openLive(url: string, token: string | undefined, on: LiveHandlers): LiveStream {
  const abort = new AbortController();
  let lastId: string | undefined;
  let backoff = FIRST_BACKOFF_MS;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      abort.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });

  /** One connection, until it ends; what to wait before the next one. */
  async function connect(): Promise<number> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (lastId) headers['last-event-id'] = lastId;
    const res = await fetch(url, { headers, signal: abort.signal, cache: 'no-store' });
    if (res.status === 401) {
      on.signedOut();
      abort.abort();
      return 0;
    }
    if (!res.ok || !res.body) throw await errorOf(res);
    on.connected(true);
    backoff = FIRST_BACKOFF_MS;
    let retry: number | undefined;
    const events = res.body
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream({ onRetry: (ms) => (retry = ms) }));
    const reader = events.getReader();
    try {
      for (;;) {
        const { done, value: e } = await reader.read();
        if (done) break;
        if (e.id) lastId = e.id;
        if (e.event && CHANGES.has(e.event)) on.change(e.event, JSON.parse(e.data));
        else if (e.event === 'reset') {
          // The resume point is gone: the listing reloads, and the stream goes on from now.
          lastId = undefined;
          on.reset();
        } else if (e.event === 'revoked') {
          on.signedOut();
          abort.abort();
        } else if (e.event === 'shutdown') break;
      }
    } finally {
      reader.releaseLock();
      on.connected(false);
    }
    // The server ended it (an instance going away says how long to wait); come back after that.
    return retry ?? FIRST_BACKOFF_MS;
  }

  void (async () => {
    while (!abort.signal.aborted) {
      let wait: number;
      try {
        wait = await connect();
      } catch {
        if (abort.signal.aborted) break;
        on.connected(false);
        wait = backoff;
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
      await sleep(wait * (0.75 + Math.random() / 2));
    }
  })();

  return { close: () => abort.abort() };
}
