import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerClientError, HTTP_SERVER_OPTIONS, rawErrorResponse, refusalFor } from '../src/http-server.js';

describe('refusalFor', () => {
  it.each([
    ['HPE_HEADER_OVERFLOW', 431, 'headers_too_large'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'request_timeout'],
    ['HPE_INVALID_HEADER_TOKEN', 400, 'bad_request'],
    [undefined, 400, 'bad_request'],
  ])('answers %s with %i %s', (errorCode, status, code) => {
    expect(refusalFor(errorCode)).toMatchObject({ status, code });
  });

  it('writes a whole response with the byte length of its body', () => {
    const raw = rawErrorResponse({ status: 431, code: 'headers_too_large', message: 'é' });
    const [head, body] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body ?? '')}`);
    expect(JSON.parse(body ?? '')).toEqual({ error: { code: 'headers_too_large', message: 'é' } });
  });
});

// A real server with the services' options and listener: what a client gets on the wire.
let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer(HTTP_SERVER_OPTIONS, (_req, res) => res.end('ok'));
  server.on('clientError', answerClientError);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function exchange(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
    socket.on('error', reject);
  });
}

describe('answerClientError', () => {
  it('answers headers larger than the limit with the JSON 431, even while they are still being sent', async () => {
    const big = 'a'.repeat(70 * 1024);
    const answer = await exchange(`GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${big}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(answer.split('\r\n\r\n')[1] ?? '')).toMatchObject({ error: { code: 'headers_too_large' } });
  });

  it('answers malformed HTTP with the JSON 400, once', async () => {
    const answer = await exchange('GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\nmore garbage\r\n\r\n');
    expect(answer.match(/^HTTP\/1\.1 \d{3} /gm)).toHaveLength(1);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(answer.split('\r\n\r\n')[1] ?? '')).toMatchObject({ error: { code: 'bad_request' } });
  });
});
