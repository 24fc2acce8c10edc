import { STATUS_CODES, type ServerOptions } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorBody, type ErrorCode } from './errors.js';

/**
 * Limits of every service's HTTP server on what a client sends before any
 * handler runs. The gateway holds a connection at most as long (its
 * `readTimeout`, api_gateway/traefik.yml) and lets through headers larger than
 * `maxHeaderSize` (its `maxHeaderBytes`), so that it is a service that refuses
 * them, in the one JSON error shape.
 */
export const HTTP_SERVER_OPTIONS = {
  // Request line and headers must arrive within 10 s: a client trickling one
  // header every few seconds is cut off instead of holding the connection.
  headersTimeout: 10_000,
  // The whole request, body included (bodies are capped at 64 KiB by default);
  // the response, a stream included, is not bounded by it.
  requestTimeout: 20_000,
  // How often Node looks for connections past those timeouts (default 30 s,
  // which would let a slow client stay up to 40 s).
  connectionsCheckingInterval: 1_000,
  // Node's default, written down: a bearer token is ~300 bytes, and no request
  // of the mesh needs more than a few KiB of headers.
  maxHeaderSize: 16 * 1024,
} as const satisfies ServerOptions;

/** How long a connection refused by the parser is still read (and discarded) before it is closed. */
const LINGER_MS = 1_000;

type Refusal = { status: number; code: ErrorCode; message: string };

/** Node's parser and timeout errors, as the answer each gets. */
export function refusalFor(errorCode: string | undefined): Refusal {
  switch (errorCode) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        code: 'headers_too_large',
        message: `the request's headers exceed ${HTTP_SERVER_OPTIONS.maxHeaderSize} bytes`,
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: 'request_timeout', message: 'the request did not arrive in time' };
    default:
      return { status: 400, code: 'bad_request', message: 'the request is not well-formed HTTP/1.1' };
  }
}

/** A whole HTTP/1.1 response in the one error shape, closing the connection. */
export function rawErrorResponse({ status, code, message }: Refusal): string {
  const body = JSON.stringify(errorBody(code, message));
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
    'Content-Type: application/json\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}

const answered = new WeakSet<Duplex>();

/**
 * The server's `clientError` listener: what Node would answer in plain text
 * (400, 408, 431, with an empty body) in the JSON shape instead. The socket is
 * half-closed and read a moment longer rather than destroyed at once: a
 * client (Traefik among them) still writing a long request would otherwise get
 * a reset and lose the answer (then the gateway says 500).
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  // Node's parser reports again on each further chunk; the first answer stands.
  if (answered.has(socket)) return;
  answered.add(socket);
  // A response already under way on this connection cannot be followed by another.
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  socket.end(rawErrorResponse(refusalFor(err.code)));
  socket.on('data', () => undefined);
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}
