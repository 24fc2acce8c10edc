import { Hono } from 'hono';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApp } from '../src/app.js';
import { IDENTITY_HEADERS, identityAssertions } from '../src/identity.js';
import { identityKeyRing } from '../src/identity-keys.js';
import { route } from '../src/operation.js';
import { queryInt } from '../src/validation.js';

const assertions = identityAssertions((await identityKeyRing('1'.repeat(64))).keys);
const alice = { userId: '11111111-1111-4111-8111-111111111111', username: 'alice' };
const note = z.strictObject({ title: z.string().min(1).trim() });
const byNumber = { params: z.object({ n: z.string().regex(/^\d+$/) }), notFound: 'no such note' } as const;

function testApp() {
  return createApp({
    service: 'profile-service',
    logger: pino({ level: 'silent' }),
    instance: 'i-1',
    checks: {},
    assertions,
    maxBodyBytes: 1024,
    routes: [
      route(
        {
          method: 'post',
          path: '/notes',
          access: 'user',
          summary: 'Write a note',
          body: note,
          ok: { status: 201, description: 'Written' },
        },
        (c) => c.json({ by: c.var.identity.username, ...c.req.valid('json') }, 201),
      ),
      route(
        {
          method: 'get',
          path: '/notes/{n}',
          access: 'public',
          summary: 'A page of notes',
          ...byNumber,
          query: z.strictObject({ limit: queryInt(1, 10, 5) }),
          ok: { status: 200, description: 'Notes' },
        },
        // @ts-expect-error -- only a `user` operation knows its caller
        (c) => c.json({ n: c.req.valid('param').n, ...c.req.valid('query'), caller: c.var.identity }),
      ),
      route(
        {
          method: 'put',
          path: '/notes/{n}',
          access: 'public',
          summary: 'Change a note',
          ...byNumber,
          body: note,
          ok: { status: 200, description: 'Changed' },
        },
        (c) => c.json({ n: c.req.valid('param').n, ...c.req.valid('json') }),
      ),
    ],
    internal: new Hono().get('/internal', (c) => c.text('hidden')),
  });
}

const signed = async () => ({
  [IDENTITY_HEADERS.userId]: alice.userId,
  [IDENTITY_HEADERS.assertion]: await assertions.sign(alice),
});
const post = async (body: string | Buffer, type: string | null = 'application/json') =>
  testApp().request('/api/profile/notes', {
    method: 'POST',
    headers: { ...(await signed()), ...(type ? { 'content-type': type } : {}) },
    body,
  });
const errorOf = async (res: Response) => ({ status: res.status, ...((await res.json()) as { error: object }).error });

describe('a JSON body', () => {
  it('reaches the handler validated and transformed, with the caller', async () => {
    const res = await post('{"title":"  hi  "}');
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ by: 'alice', title: 'hi' });
  });

  it.each(['text/plain', 'application/json-patch+json', 'application/vnd.api+json', 'application/jsonx', null])(
    'is refused with 415 when sent as %s',
    async (type) => {
      expect(await errorOf(await post('{"title":"t"}', type))).toEqual({
        status: 415,
        code: 'unsupported_media_type',
        message: 'send the body as application/json',
      });
    },
  );

  it('is accepted with parameters', async () => {
    expect((await post('{"title":"t"}', 'application/json; charset=utf-8')).status).toBe(201);
  });

  it.each(['charset=utf-16', 'charset="utf-16le"', 'charset=iso-8859-1', 'charset=', 'foo=1; charset=UTF-32'])(
    'is refused with 415 when declared in another charset (%s)',
    async (param) => {
      const res = await post('{"title":"t"}', `application/json; ${param}`);
      expect(await errorOf(res)).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    },
  );

  it.each(['charset=UTF-8', 'charset="utf-8"', 'charset=utf8'])('is accepted declared as UTF-8 (%s)', async (param) => {
    expect((await post('{"title":"t"}', `application/json; ${param}`)).status).toBe(201);
  });

  it.each(['gzip', 'br', 'deflate', 'identity, gzip'])('is refused with 415 under Content-Encoding %s', async (enc) => {
    const res = await testApp().request('/api/profile/notes', {
      method: 'POST',
      headers: { ...(await signed()), 'content-type': 'application/json', 'content-encoding': enc },
      body: '{"title":"t"}',
    });
    expect(await errorOf(res)).toMatchObject({ status: 415, code: 'unsupported_media_type' });
  });

  it('is accepted under Content-Encoding identity', async () => {
    const res = await testApp().request('/api/profile/notes', {
      method: 'POST',
      headers: { ...(await signed()), 'content-type': 'application/json', 'content-encoding': 'identity' },
      body: '{"title":"t"}',
    });
    expect(res.status).toBe(201);
  });

  it.each([
    ['malformed JSON', Buffer.from('{"title":')],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x74, 0x69, 0x74, 0x6c, 0x65, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])],
    ['an empty body', Buffer.alloc(0)],
  ])('is refused with 400 invalid_json for %s', async (_, bytes) => {
    expect(await errorOf(await post(bytes))).toEqual({
      status: 400,
      code: 'invalid_json',
      message: 'the body is not valid UTF-8 JSON',
    });
  });

  it('is refused with 400 listing every issue when it fails its schema', async () => {
    expect(await errorOf(await post('{"title":"","x":1}'))).toEqual({
      status: 400,
      code: 'validation_failed',
      message: 'request body is invalid',
      issues: [
        { path: 'title', message: expect.any(String) },
        { path: '', message: expect.stringContaining('"x"') },
      ],
    });
  });

  it('is refused with 413 beyond the limit', async () => {
    expect(await errorOf(await post(JSON.stringify({ title: 'x'.repeat(2000) })))).toMatchObject({
      status: 413,
      code: 'payload_too_large',
    });
  });

  it('is refused with 413 by its declared length, and read as usual within it', async () => {
    const send = async (body: string, length: number) =>
      testApp().request('/api/profile/notes', {
        method: 'POST',
        headers: { ...(await signed()), 'content-type': 'application/json', 'content-length': String(length) },
        body,
      });
    const big = JSON.stringify({ title: 'x'.repeat(2000) });
    expect(await errorOf(await send(big, big.length))).toMatchObject({ status: 413, code: 'payload_too_large' });
    const small = '{"title":"hi"}';
    expect(await (await send(small, small.length)).json()).toEqual({ by: 'alice', title: 'hi' });
  });

  it('is refused with 413 beyond the limit when its length is not declared (chunked)', async () => {
    const chunks = [Buffer.from('{"title":"'), Buffer.from('x'.repeat(2000)), Buffer.from('"}')];
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    const res = await testApp().request('/api/profile/notes', {
      method: 'POST',
      headers: { ...(await signed()), 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(await errorOf(res)).toMatchObject({ status: 413, code: 'payload_too_large' });
  });

  it('is not read before the identity is checked', async () => {
    const res = await testApp().request('/api/profile/notes', { method: 'POST', body: 'not json' });
    expect(await errorOf(res)).toMatchObject({ status: 401, code: 'unauthorized' });
  });
});

describe('query and path parameters', () => {
  it('reach the handler validated, defaults filled in', async () => {
    const res = await testApp().request('/api/profile/notes/7');
    expect(await res.json()).toEqual({ n: '7', limit: 5 });
  });

  it('refuse a query that fails its schema with 400 listing the issues', async () => {
    expect(await errorOf(await testApp().request('/api/profile/notes/7?limit=99'))).toEqual({
      status: 400,
      code: 'validation_failed',
      message: 'query is invalid',
      issues: [{ path: 'limit', message: expect.any(String) }],
    });
  });

  it("answer a malformed path parameter with the operation's 404: it names nothing", async () => {
    expect(await errorOf(await testApp().request('/api/profile/notes/seven'))).toEqual({
      status: 404,
      code: 'not_found',
      message: 'no such note',
    });
  });

  it('come before the body, which is read only once they name something', async () => {
    const put = (n: string, body: string, type: string) =>
      testApp().request(`/api/profile/notes/${n}`, { method: 'PUT', headers: { 'content-type': type }, body });
    expect(await errorOf(await put('seven', 'x', 'text/plain'))).toMatchObject({ status: 404, code: 'not_found' });
    expect(await errorOf(await put('seven', '{', 'application/json'))).toMatchObject({ status: 404 });
    expect(await errorOf(await put('7', 'x', 'text/plain'))).toMatchObject({ status: 415 });
    expect(await errorOf(await put('7', '{', 'application/json'))).toMatchObject({ status: 400, code: 'invalid_json' });
    expect(await (await put('7', '{"title":" t "}', 'application/json')).json()).toEqual({ n: '7', title: 't' });
  });
});

describe('access', () => {
  it('asks a user operation for an asserted identity, and no other operation', async () => {
    const app = testApp();
    const res = await app.request('/api/profile/notes', {
      method: 'POST',
      headers: { 'content-type': 'application/json', [IDENTITY_HEADERS.userId]: alice.userId },
      body: '{"title":"t"}',
    });
    expect(await errorOf(res)).toMatchObject({ status: 401, code: 'unauthorized' });
    expect((await app.request('/api/profile/notes/1')).status).toBe(200);
  });

  it('needs no identity keys without a user operation, and refuses to start one without them', () => {
    const deps = { service: 'web-client', logger: pino({ level: 'silent' }), instance: 'i-1', checks: {} };
    const operation = { method: 'get', path: '/x', summary: 'x', ok: { status: 204, description: 'x' } } as const;
    const open = route({ ...operation, access: 'public' }, (c) => c.body(null, 204));
    expect(createApp({ ...deps, routes: [open] }).routers).toHaveLength(1);
    const mine = route({ ...operation, access: 'user' }, (c) => c.body(null, 204));
    expect(() => createApp({ ...deps, routes: [mine] })).toThrow(/acts for a user/);
  });

  it('gives the app the gateway routers its operations ask for', () => {
    expect(testApp().routers).toEqual([
      { router: 'profile', rule: 'PathPrefix(`/api/profile`)', middlewares: ['public@file'] },
      {
        router: 'profile-user',
        rule: 'Path(`/api/profile/notes`)',
        middlewares: ['protected@file'],
        priority: 1000,
      },
    ]);
  });
});

describe('internal routes', () => {
  it('are served under the prefix, outside the document', async () => {
    const app = testApp();
    expect(await (await app.request('/api/profile/internal')).text()).toBe('hidden');
    const doc = (await (await app.request('/api/profile/openapi.json')).json()) as { paths: object };
    expect(Object.keys(doc.paths)).not.toContain('/api/profile/internal');
  });
});
