import { beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { eventually, newUser, serviceUrl, stack, type TestUser } from '@feedmesh/testkit';
import { expectError } from '../support/errors.js';

// The smaller findings of the security review, each replayed as the attack it
// was, through the real gateway (and, where the finding was about them, the
// services' own addresses).

let alice: TestUser;
beforeAll(async () => {
  alice = await newUser('small');
});

const gateway = new URL(stack.gatewayUrl);

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from connecting until the server closed or answered. */
  elapsedMs: number;
}

/**
 * Sends bytes exactly as given on one connection (each part after `gapMs`),
 * and reads until the server closes: what Go's and Node's HTTP parsers answer
 * before any handler runs, which fetch and node:http would refuse to send.
 */
function rawExchange(url: URL, parts: string[], gapMs = 0, patienceMs = 20_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    // A URL leaves out its scheme's default port (the gateway's 80 on an unshifted stack).
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const socket = connect({ host: url.hostname === 'localhost' ? '127.0.0.1' : url.hostname, port });
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer and no close within ${patienceMs} ms`));
    }, patienceMs);
    const finish = () => {
      clearTimeout(giveUp);
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({
        status: Number(statusLine.split(' ')[1] ?? 0),
        headers,
        body: rest.join('\r\n\r\n'),
        elapsedMs: Date.now() - started,
      });
    };
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', finish);
    socket.on('error', () => undefined);
    const send = (i: number) => {
      const part = parts[i];
      if (part === undefined || socket.destroyed) return;
      socket.write(part);
      timer = setTimeout(() => send(i + 1), gapMs);
    };
    socket.once('connect', () => send(0));
  });
}

/** A raw answer's body checked for the one JSON error shape, with its status and code. */
function expectJsonError(answer: RawAnswer, status: number, code: string) {
  expect(answer.status, answer.body).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(answer.body) as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
}

const request = (path: string, headers: string[], body = '') =>
  `POST ${path} HTTP/1.1\r\nHost: ${gateway.host}\r\n${headers.map((h) => `${h}\r\n`).join('')}Connection: close\r\n\r\n${body}`;

describe('the bearer scheme', () => {
  it.each(['bearer', 'BEARER', 'bEaReR'])('accepts the scheme spelled %s, as login names it', async (scheme) => {
    const res = await fetch(`${stack.gatewayUrl}/api/auth/me`, {
      headers: { authorization: `${scheme} ${alice.token}` },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as { id: string }).id).toBe(alice.id);
  });

  it('still refuses another scheme carrying the same token', async () => {
    const res = await fetch(`${stack.gatewayUrl}/api/auth/me`, { headers: { authorization: `Basic ${alice.token}` } });
    await expectError(res, 401, 'unauthorized');
  });
});

describe('forward-auth', () => {
  it("bounds the auth server's answer it buffers", async () => {
    const res = await fetch(`${stack.traefikApiUrl}/api/http/middlewares/forward-auth@file`);
    const mw = (await res.json()) as { forwardAuth: { maxResponseBodySize?: number } };
    expect(mw.forwardAuth.maxResponseBodySize).toBeGreaterThan(0);
    expect(mw.forwardAuth.maxResponseBodySize).toBeLessThanOrEqual(64 * 1024);
  });
});

const authed = (u: TestUser, extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${u.token}`,
  'content-type': 'application/json',
  ...extra,
});
const createPost = (u: TestUser, body: unknown, extra: Record<string, string> = {}) =>
  fetch(`${stack.gatewayUrl}/api/posts`, { method: 'POST', headers: authed(u, extra), body: JSON.stringify(body) });

describe('blank and invisible text', () => {
  it('refuses a password of eight spaces', async () => {
    const res = await fetch(`${stack.gatewayUrl}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: `blank${Date.now()}@example.com`,
        username: `blank${Date.now()}`,
        password: ' '.repeat(8),
      }),
    });
    const body = await expectError(res, 400, 'validation_failed');
    expect(body.error.issues).toEqual([expect.objectContaining({ path: 'password' })]);
  });

  it.each([
    ['content of whitespace only', { title: 'fine', content: ' \t\n\u3000 ' }],
    ['a title of zero-width characters', { title: '\u200b\u200c\u200d', content: 'fine' }],
    ['a title of bidi overrides', { title: '\u202e\u202d\u2066\u2069', content: 'fine' }],
  ])('refuses a post with %s', async (_, body) => {
    await expectError(await createPost(alice, body), 400, 'validation_failed');
  });

  it('refuses an edit to whitespace-only content', async () => {
    const created = (await (await createPost(alice, { title: 't', content: 'c' })).json()) as { id: string };
    const res = await fetch(`${stack.gatewayUrl}/api/posts/${created.id}`, {
      method: 'PUT',
      headers: authed(alice),
      body: JSON.stringify({ content: '   ' }),
    });
    await expectError(res, 400, 'validation_failed');
  });
});

describe('bodies the services cannot read as UTF-8 JSON', () => {
  it('refuses a body declared in UTF-16 with 415', async () => {
    const body = Buffer.from(JSON.stringify({ title: 't', content: 'c' }), 'utf16le');
    const res = await fetch(`${stack.gatewayUrl}/api/posts`, {
      method: 'POST',
      headers: authed(alice, { 'content-type': 'application/json; charset=utf-16' }),
      body,
    });
    await expectError(res, 415, 'unsupported_media_type');
  });

  it.each(['gzip', 'deflate', 'br'])('refuses a body under Content-Encoding %s with 415', async (encoding) => {
    const res = await fetch(`${stack.gatewayUrl}/api/posts`, {
      method: 'POST',
      headers: authed(alice, { 'content-encoding': encoding }),
      body: gzipSync(JSON.stringify({ title: 't', content: 'c' })),
    });
    await expectError(res, 415, 'unsupported_media_type');
  });
});

describe('user ids in any case', () => {
  it("names the same user's feed, posts and profile in upper case as in lower case", async () => {
    const upper = alice.id.toUpperCase();
    expect(upper).not.toBe(alice.id);
    const profile = await fetch(`${stack.gatewayUrl}/api/profile`, {
      method: 'POST',
      headers: authed(alice),
      body: JSON.stringify({ display_name: 'Alice' }),
    });
    expect([201, 409]).toContain(profile.status);
    const created = (await (await createPost(alice, { title: 'cased', content: 'c' })).json()) as { id: string };

    const read = await fetch(`${stack.gatewayUrl}/api/profile/${upper}`, { headers: authed(alice) });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { user_id: string }).user_id).toBe(alice.id);

    const listed = await fetch(`${stack.gatewayUrl}/api/posts?author_id=${upper}`, { headers: authed(alice) });
    const ids = ((await listed.json()) as { items: Array<{ id: string }> }).items.map((p) => p.id);
    expect(ids).toContain(created.id);

    await eventually(
      async () => {
        const res = await fetch(`${stack.gatewayUrl}/api/activity-stream/user/${upper}`);
        const page = (await res.json()) as { items: Array<{ id: string }> };
        return page.items.some((p) => p.id === created.id);
      },
      15_000,
      200,
      'the post in the feed asked for in upper case',
    );
  });
});

describe('requests the HTTP parsers refuse', () => {
  const big = (n: number) => 'a'.repeat(n);

  // Traefik lets these through (below its maxHeaderBytes); the service, or
  // auth-service asked by forward-auth, refuses them in the JSON shape.
  it.each([
    ['a 30 KB Authorization on a protected route', '/api/posts', `Authorization: Bearer ${big(30_000)}`],
    ['a 70 KB Authorization on a protected route', '/api/posts', `Authorization: Bearer ${big(70_000)}`],
    ['a 70 KB header on a public route', '/api/auth/login', `X-Padding: ${big(70_000)}`],
    ['a 30 KB header on a path no service claims', '/nowhere', `X-Padding: ${big(30_000)}`],
  ])('answers %s with the JSON 431', async (_, path, header) => {
    const body = '{"title":"t","content":"c"}';
    const answer = await rawExchange(gateway, [
      request(path, [header, 'Content-Type: application/json', `Content-Length: ${body.length}`], body),
    ]);
    expectJsonError(answer, 431, 'headers_too_large');
  });

  it('answers the JSON 431 at a service itself', async () => {
    const service = new URL(serviceUrl('posts-service'));
    const answer = await rawExchange(service, [request('/api/posts', [`X-Padding: ${big(70_000)}`])]);
    expectJsonError(answer, 431, 'headers_too_large');
  });

  // Beyond Traefik's maxHeaderBytes, and for these two, Go's net/http answers
  // in plain text before any middleware or router runs (net/http/server.go,
  // conn.serve: the fixed "431 Request Header Fields Too Large" and
  // "400 Bad Request" writes); no Traefik option reaches them. The status is right.
  it.each([
    ['conflicting Content-Length headers', ['Content-Length: 2', 'Content-Length: 3'], '{}'],
    ['a NUL in a header value', ['X-Padding: a\u0000b'], ''],
  ])('answers %s with 400 (Go, before Traefik)', async (_, headers, body) => {
    const answer = await rawExchange(gateway, [request('/api/posts', headers, body)]);
    expect(answer.status).toBe(400);
  });

  it('answers headers beyond the gateway limit with 431 (Go, before Traefik)', async () => {
    const answer = await rawExchange(gateway, [request('/api/posts', [`X-Padding: ${big(200_000)}`])]);
    expect(answer.status).toBe(431);
  });

  it('answers malformed HTTP at a service itself with the JSON 400', async () => {
    const service = new URL(serviceUrl('posts-service'));
    const answer = await rawExchange(service, [request('/api/posts', ['X-Padding: a\u0000b'])]);
    expectJsonError(answer, 400, 'bad_request');
  });
});

describe('slow headers', () => {
  // One header every 3 s, forever: the connection must be closed within the
  // header timeout (10 s) and a little scheduling slack, not kept for 30 s.
  const trickle = [
    `GET /api/auth/health HTTP/1.1\r\nHost: ${gateway.host}\r\n`,
    ...Array.from({ length: 12 }, (_, i) => `X-Slow-${i}: 1\r\n`),
  ];

  it.each([
    ['the gateway', gateway],
    ['a service', new URL(serviceUrl('auth-service'))],
  ])('are cut off by %s after about 10 s', { timeout: 30_000 }, async (_, url) => {
    const answer = await rawExchange(url, trickle, 3_000, 25_000);
    expect(answer.elapsedMs).toBeGreaterThanOrEqual(9_000);
    expect(answer.elapsedMs).toBeLessThan(14_000);
  });

  it('answers the service timeout with the JSON 408', { timeout: 30_000 }, async () => {
    const answer = await rawExchange(new URL(serviceUrl('auth-service')), trickle, 3_000, 25_000);
    expectJsonError(answer, 408, 'request_timeout');
  });
});
