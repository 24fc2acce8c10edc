import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { eventually } from './eventually.js';

/** An open event stream, read as it comes: what a browser's EventSource would see, with the headers a test sets. */
/** An event as received, with when it was (performance.now()). */
export type ReceivedEvent = EventSourceMessage & { at: number };

export interface EventStream {
  status: number;
  /** The body when the stream was refused (its JSON error), else ''. */
  refusal: string;
  events: ReceivedEvent[];
  /** Comment lines received (heartbeats). */
  comments: string[];
  /** The `retry:` values received. */
  retries: number[];
  /** Whether the server has ended the stream. */
  ended: () => boolean;
  /** Waits until `events` holds one that `match` accepts, and returns it. */
  next(match: (e: EventSourceMessage) => boolean, timeoutMs?: number): Promise<ReceivedEvent>;
  close(): void;
}

/**
 * Opens `url` as an event stream (GET, `Accept: text/event-stream`) and
 * keeps reading it in the background until it ends or is closed. Resolves
 * once the answer's headers are in: a refusal (any status but 200) is read
 * whole into `refusal`.
 */
export async function openEventStream(url: string, headers: Record<string, string> = {}): Promise<EventStream> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const stream: EventStream = {
    status: res.status,
    refusal: '',
    events: [],
    comments: [],
    retries: [],
    ended: () => done,
    async next(match, timeoutMs = 10_000) {
      const found = () => stream.events.find(match);
      await eventually(async () => found() !== undefined, timeoutMs, 10, 'an event on the stream');
      return found()!;
    },
    close: () => abort.abort(),
  };
  let done = false;
  if (res.status !== 200) {
    stream.refusal = await res.text();
    done = true;
    return stream;
  }
  const parser = createParser({
    onEvent: (e) => stream.events.push({ ...e, at: performance.now() }),
    onComment: (c) => stream.comments.push(c),
    onRetry: (r) => stream.retries.push(r),
  });
  void (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>)
        parser.feed(decoder.decode(chunk, { stream: true }));
    } catch {
      // Closed by the test, or cut: either way, the stream is over.
    } finally {
      done = true;
    }
  })();
  return stream;
}
