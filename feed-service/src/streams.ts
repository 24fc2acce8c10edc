import { ApiError } from '@feedmesh/common';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { StreamLimitError, TokenRevokedError, type LiveFeed, type LiveMessage } from './live.js';
import type { AccessTokenRef } from '@feedmesh/common';

export interface StreamSettings {
  /** A comment line this often on an idle stream, so that no proxy on the way thinks it dead. */
  heartbeatMs: number;
  /** What a client is told to wait before it reconnects (SSE `retry:`), on a shutdown too. */
  retryMs: number;
}

/** A stream id as `feed:changes` makes them (ms-seq): all a `Last-Event-ID` may be. */
const STREAM_ID = /^\d{1,15}-\d{1,15}$/;

/** One subscriber's messages, in order, taken one at a time by its response; `end` once the instance shuts down. */
class Mailbox {
  private readonly items: Array<LiveMessage | { kind: 'end' }> = [];
  private wake: (() => void) | undefined;

  push(message: LiveMessage | { kind: 'end' }): void {
    this.items.push(message);
    this.wake?.();
  }

  /** The next message, or `idle` when none came within `ms`. */
  async next(ms: number): Promise<LiveMessage | { kind: 'end' } | 'idle'> {
    if (this.items.length === 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    return this.items.shift() ?? 'idle';
  }
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
  const mailbox = new Mailbox();
  const unsubscribe = await live
    .subscribe({
      client,
      ...(home ? { home: home.reader, token: home.token } : {}),
      lastEventId,
      send: (m) => mailbox.push(m),
      end: () => mailbox.push({ kind: 'end' }),
    })
    .catch((err: unknown) => {
      if (err instanceof StreamLimitError) throw new ApiError(429, 'rate_limited', err.message);
      if (err instanceof TokenRevokedError) throw new ApiError(401, 'unauthorized', 'the token has been revoked');
      throw new ApiError(503, 'unavailable', 'the feed store is unavailable; retry shortly');
    });
  return streamSSE(c, async (sse) => {
    let open = true;
    sse.onAbort(() => {
      open = false;
      mailbox.push({ kind: 'end' });
    });
    try {
      // Said once, first: how long to wait before reconnecting after a cut.
      await sse.write(`retry: ${settings.retryMs}\n\n`);
      while (open) {
        const m = await mailbox.next(settings.heartbeatMs);
        if (!open) break;
        if (m === 'idle') await sse.write(': heartbeat\n\n');
        else if (m.kind === 'end') {
          // The instance is going: reconnect (to another) soon, from the last id received.
          await sse.writeSSE({ event: 'shutdown', data: '{}', retry: settings.retryMs });
          break;
        } else if (m.kind === 'reset') {
          await sse.writeSSE({
            event: 'reset',
            data: JSON.stringify({
              reason: 'the stream no longer holds what came after Last-Event-ID; reload the page',
            }),
          });
        } else if (m.kind === 'revoked') {
          // No `retry:`: the same token would be refused; the client signs in again.
          await sse.writeSSE({
            event: 'revoked',
            data: JSON.stringify({ reason: 'the token that opened this stream has been revoked; sign in again' }),
          });
          break;
        } else await sse.writeSSE({ id: m.change.id, event: m.change.type, data: m.change.data });
      }
    } finally {
      unsubscribe();
    }
  });
}
