import { request, type IncomingMessage } from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { eventually } from './eventually.js';

/** An event as received, with when it was (performance.now()). */
export type ReceivedEvent = EventSourceMessage & { at: number };

/** An open event stream, read as it comes: what a browser's EventSource would see, with the headers a test sets. */
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
 * Opens `url` (http) as an event stream (GET, `Accept: text/event-stream`)
 * and keeps reading it in the background until it ends or is closed.
 * Resolves once the answer's headers are in: a refusal (any status but 200)
 * is read whole into `refusal`. On node:http rather than fetch: a benchmark
 * holds thousands of these, and each chunk through fetch's web streams costs
 * several times as much CPU, on the cores the mesh measured shares.
 */
export async function openEventStream(url: string, headers: Record<string, string> = {}): Promise<EventStream> {
  const req = request(url, { headers: { accept: 'text/event-stream', ...headers }, agent: false });
  const res = await new Promise<IncomingMessage>((resolve, reject) =>
    req.on('response', resolve).on('error', reject).end(),
  );
  let done = false;
  const stream: EventStream = {
    status: res.statusCode ?? 0,
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
    close: () => req.destroy(),
  };
  res.setEncoding('utf8');
  // Closed by the test, or cut: either way, the stream is over.
  const over = () => (done = true);
  res.on('close', over).on('error', over);
  if (stream.status !== 200) {
    for await (const chunk of res) stream.refusal += chunk as string;
    return stream;
  }
  const parser = createParser({
    onEvent: (e) => stream.events.push({ ...e, at: performance.now() }),
    onComment: (c) => stream.comments.push(c),
    onRetry: (r) => stream.retries.push(r),
  });
  res.on('data', (chunk: string) => parser.feed(chunk));
  return stream;
}
