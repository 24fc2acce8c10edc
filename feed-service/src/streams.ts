import type { ServerResponse } from 'node:http';
import { ApiError, type AccessTokenRef } from '@feedmesh/common';
import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Context } from 'hono';
import { StreamLimitError, TokenRevokedError, type LiveChange, type LiveFeed, type LiveMessage } from './live.js';

export interface StreamSettings {
  /** A comment line after this long without a write, so that no proxy on the way thinks the stream dead. */
  heartbeatMs: number;
  /** What a client is told to wait before it reconnects (SSE `retry:`), on a shutdown too. */
  retryMs: number;
  /**
   * Most bytes a stream may have waiting for a client that does not read:
   * a stream past it that has not drained for `STALL_MS` is cut, and the
   * client, once it reads again, reconnects from its `Last-Event-ID`, as
   * after any cut.
   */
  maxBufferedBytes: number;
}

/** How long a stream may stay past its byte cap without draining: a burst (a long catch-up) is no stall. */
const STALL_MS = 3_000;

/** A stream id as `feed:changes` makes them (ms-seq): all a `Last-Event-ID` may be. */
const STREAM_ID = /^\d{1,15}-\d{1,15}$/;

/** One server-sent event, as bytes on the wire. */
function frame(e: { id?: string; event: string; data: string; retry?: number }): Buffer {
  const data = e.data.includes('\n') ? e.data.split('\n').join('\ndata: ') : e.data;
  return Buffer.from(
    `${e.id ? `id: ${e.id}\n` : ''}event: ${e.event}\ndata: ${data}\n${e.retry ? `retry: ${e.retry}\n` : ''}\n`,
  );
}

/** Each change's event made once, whichever and however many streams send it. */
const framed = new WeakMap<LiveChange, Buffer>();
function changeFrame(change: LiveChange): Buffer {
  let bytes = framed.get(change);
  if (!bytes) framed.set(change, (bytes = frame({ id: change.id, event: change.type, data: change.data })));
  return bytes;
}

const HEARTBEAT = Buffer.from(': heartbeat\n\n');
const RESET = frame({
  event: 'reset',
  data: JSON.stringify({ reason: 'the stream no longer holds what came after Last-Event-ID; reload the page' }),
});
// No `retry:`: the same token would be refused; the client signs in again.
const REVOKED = frame({
  event: 'revoked',
  data: JSON.stringify({ reason: 'the token that opened this stream has been revoked; sign in again' }),
});

/**
 * One live stream's response, written straight to Node's: a subscriber's
 * messages are written as they come (one event's bytes shared by all of its
 * streams), not queued per stream for a loop of its own to take. What comes
 * before `start` (a catch-up while the subscription is made) waits until
 * the response may begin: until then, a refusal can still be a JSON error.
 */
class EventStream {
  private waiting: Buffer[] | undefined = [];
  /** Told to end (revoked, shutdown): nothing more is added, whatever comes. */
  private ending = false;
  /** Ended or cut: nothing more is written (Node would raise an error for a write after the end). */
  private closed = false;
  private heartbeat: NodeJS.Timeout | undefined;
  /** Since when the stream has been past its byte cap without draining. */
  private overSince: number | undefined;
  private onClose: (() => void) | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly settings: StreamSettings,
  ) {
    // From the first: a client may leave while the subscription is still being made.
    res.on('close', () => {
      this.closed = true;
      clearTimeout(this.heartbeat);
      this.onClose?.();
    });
    res.on('drain', () => (this.overSince = undefined));
  }

  /**
   * Begins the response: its headers, how long to wait before a reconnect,
   * what came meanwhile; then heartbeats. `onClose` runs once it is over (at
   * once, if the client has left already).
   */
  start(onClose: () => void): void {
    if (this.closed) {
      onClose();
      return;
    }
    this.onClose = onClose;
    this.res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    this.res.write(`retry: ${this.settings.retryMs}\n\n`);
    const waiting = this.waiting ?? [];
    this.waiting = undefined;
    for (const bytes of waiting) this.put(bytes);
    this.heartbeat = setTimeout(() => {
      this.write(HEARTBEAT);
    }, this.settings.heartbeatMs);
    if (this.ending) this.end();
  }

  send(m: LiveMessage): void {
    if (m.kind === 'change') this.write(changeFrame(m.change));
    else if (m.kind === 'reset') this.write(RESET);
    else {
      this.write(REVOKED);
      this.end();
    }
  }

  /** The instance is going: reconnect (to another) soon, from the last id received. */
  shutdown(): void {
    this.write(frame({ event: 'shutdown', data: '{}', retry: this.settings.retryMs }));
    this.end();
  }

  private write(bytes: Buffer): void {
    if (this.ending || this.closed) return;
    if (this.waiting) this.waiting.push(bytes);
    else this.put(bytes);
  }

  private put(bytes: Buffer): void {
    if (this.closed) return;
    this.res.write(bytes);
    this.heartbeat?.refresh();
    if (this.res.writableLength <= this.settings.maxBufferedBytes) return;
    // A client this far behind for this long holds memory for nothing: cut, it resumes from what it has.
    this.overSince ??= Date.now();
    if (Date.now() - this.overSince > STALL_MS) this.res.destroy();
  }

  private end(): void {
    this.ending = true;
    if (!this.waiting && !this.closed) {
      this.closed = true;
      clearTimeout(this.heartbeat);
      this.res.end();
    }
  }
}

/** The Node response under a Hono context, as @hono/node-server serves it. */
function nodeResponse(c: Context): ServerResponse {
  const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
  if (!outgoing) throw new Error('live streams are written to the Node response @hono/node-server passes in');
  return outgoing as ServerResponse;
}

/**
 * A live stream's response: the changes of the global feed, or of `home`'s
 * home timeline, as server-sent events, from now or from just after the
 * request's `Last-Event-ID`. Refused before anything is sent (so as JSON:
 * 400 for a bad `Last-Event-ID`, 401 for a token revoked since the gateway
 * checked it, 429 past a limit, 503 while Redis is away). A home stream
 * ends with a `revoked` event once its token is revoked.
 */
export async function liveResponse(
  c: Context,
  live: LiveFeed,
  settings: StreamSettings,
  home?: { reader: string; token: AccessTokenRef | undefined },
): Promise<Response> {
  const lastEventId = c.req.header('last-event-id') || undefined;
  if (lastEventId !== undefined && !STREAM_ID.test(lastEventId))
    throw new ApiError(400, 'validation_failed', 'Last-Event-ID is not an id this stream sent');
  // The public stream's client is its address as the gateway saw it; the home stream's, its user.
  const client = home?.reader ?? c.req.header('x-forwarded-for')?.split(',')[0]?.trim() ?? 'direct';
  const stream = new EventStream(nodeResponse(c), settings);
  const unsubscribe = await live
    .subscribe({
      client,
      ...(home ? { home: home.reader, token: home.token } : {}),
      lastEventId,
      send: (m) => stream.send(m),
      end: () => stream.shutdown(),
    })
    .catch((err: unknown) => {
      if (err instanceof StreamLimitError) throw new ApiError(429, 'rate_limited', err.message);
      if (err instanceof TokenRevokedError) throw new ApiError(401, 'unauthorized', 'the token has been revoked');
      throw new ApiError(503, 'unavailable', 'the feed store is unavailable; retry shortly');
    });
  stream.start(unsubscribe);
  return RESPONSE_ALREADY_SENT;
}
