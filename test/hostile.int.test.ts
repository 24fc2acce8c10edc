import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { identityAssertions, identityKeyRing, type IdentityJwt } from '@feedmesh/common';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectError } from './support/errors.js';
import { newUser, stack, stackAssertions, type TestUser } from '@feedmesh/testkit';
import { badTokens } from './support/tokens.js';

// Hostile input through the gateway, by kind of attack. Every refusal is
// checked for its status and for the one JSON error shape; nothing may be a
// 5xx. (The identity-header stripping at the edge, the register endpoint's
// refusals and plain login brute force are in identity.int.test.ts.)

let alice: TestUser;
let bob: TestUser;
beforeAll(async () => {
  alice = await newUser('hostile');
  bob = await newUser('hostile');
});

const gateway = new URL(stack.gatewayUrl);
const bearer = (u: TestUser) => ({ authorization: `Bearer ${u.token}` });
const json = (u: TestUser) => ({ ...bearer(u), 'content-type': 'application/json' });

/**
 * One request with the path and body bytes exactly as given: fetch would
 * normalize `..` and `%2e%2e` and encode the body as UTF-8 on its own.
 */
function raw(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer | Buffer[],
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request({ host: gateway.hostname, port: gateway.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
        resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0, headers: h }));
      });
    });
    req.on('error', reject);
    // Several buffers: written one by one, so the body goes chunked, without a Content-Length.
    for (const part of Array.isArray(body) ? body : body ? [body] : []) req.write(part);
    req.end();
  });
}

const post = (u: TestUser, body: unknown) =>
  fetch(`${stack.gatewayUrl}/api/posts`, { method: 'POST', headers: json(u), body: JSON.stringify(body) });

describe('bodies too large or too deep', () => {
  const big = 'x'.repeat(70 * 1024);
  it.each([
    ['POST', '/api/posts', { title: 't', content: big }],
    ['POST', '/api/profile', { display_name: 'd', bio: big }],
    ['PUT', '/api/profile', { bio: big }],
  ])('answers 413 JSON to %s %s with 70 KiB, declared or chunked', async (method, path, body) => {
    const bytes = Buffer.from(JSON.stringify(body));
    await expectError(
      await fetch(`${stack.gatewayUrl}${path}`, { method, headers: json(alice), body: bytes }),
      413,
      'payload_too_large',
      'content-length',
    );
    const chunks = [bytes.subarray(0, 1024), bytes.subarray(1024)];
    await expectError(await raw(method, path, json(alice), chunks), 413, 'payload_too_large', 'chunked');
  });

  it.each([
    [
      'arrays 30 000 deep',
      `{"title":"t","content":"c","tags":${'['.repeat(30_000)}${']'.repeat(30_000)}}`,
      'validation_failed',
    ],
    [
      'objects 5 000 deep',
      `{"title":"t","content":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`,
      'validation_failed',
    ],
    ['arrays 30 000 deep, unclosed', `{"title":${'['.repeat(30_000)}`, 'invalid_json'],
  ] as const)('answers 400 to JSON nested %s', async (_, body, code) => {
    await expectError(
      await fetch(`${stack.gatewayUrl}/api/posts`, { method: 'POST', headers: json(alice), body }),
      400,
      code,
    );
    expect((await fetch(`${stack.gatewayUrl}/api/posts/health`)).status).toBe(200);
  });
});

describe('bodies that are not JSON', () => {
  it.each([
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'application/json-patch+json',
    'application/jsonx',
    'json',
  ])('answers 415 to a post sent as %s', async (type) => {
    const res = await fetch(`${stack.gatewayUrl}/api/posts`, {
      method: 'POST',
      headers: { ...bearer(alice), 'content-type': type },
      body: '{"title":"t","content":"c"}',
    });
    await expectError(res, 415, 'unsupported_media_type', type);
  });

  it('answers 415 to a body without any content type', async () => {
    await expectError(
      await raw('POST', '/api/profile', bearer(alice), Buffer.from('{"display_name":"x"}')),
      415,
      'unsupported_media_type',
    );
  });
});

describe('text that is not UTF-8, or not storable', () => {
  const bytes = (...parts: Array<string | number[]>) =>
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
  it.each([
    ['an invalid byte', [0xff, 0xfe]],
    ['an overlong encoding of "/"', [0xc0, 0xaf]],
    ['a surrogate encoded as UTF-8', [0xed, 0xa0, 0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
  ])('answers 400 invalid_json to %s in a string', async (_, bad) => {
    const body = bytes('{"title":"', bad, '","content":"c"}');
    await expectError(await raw('POST', '/api/posts', json(alice), body), 400, 'invalid_json');
  });

  it('answers 400 invalid_json to a body in UTF-16 sent as JSON', async () => {
    const body = Buffer.from('{"title":"t","content":"c"}', 'utf16le');
    await expectError(await raw('POST', '/api/posts', json(alice), body), 400, 'invalid_json');
  });

  it('answers 415 to a body declared in UTF-16 (JSON is UTF-8 only)', async () => {
    const body = Buffer.from('{"title":"t","content":"c"}', 'utf16le');
    await expectError(
      await raw('POST', '/api/posts', { ...bearer(alice), 'content-type': 'application/json; charset=utf-16' }, body),
      415,
      'unsupported_media_type',
    );
  });

  // Valid JSON, but PostgreSQL (under FerretDB and the profile table) cannot keep
  // a NUL, and a lone surrogate is not Unicode: these were 500s before.
  it.each([
    ['a NUL in a post title', '/api/posts', 'POST', '{"title":"a\\u0000b","content":"c"}'],
    ['a NUL in a tag', '/api/posts', 'POST', '{"title":"t","content":"c","tags":["\\u0000"]}'],
    ['a lone surrogate in post content', '/api/posts', 'POST', '{"title":"t","content":"\\ud800"}'],
    ['a NUL in a profile bio', '/api/profile', 'PUT', '{"bio":"\\u0000"}'],
    ['a NUL in the author filter', '/api/posts?author_id=%00', 'GET', undefined],
  ])('answers 400 validation_failed to %s', async (_, path, method, body) => {
    const res = await fetch(`${stack.gatewayUrl}${path}`, { method, headers: json(alice), body });
    await expectError(res, 400, 'validation_failed');
  });
});

describe('MongoDB operators where values belong', () => {
  it.each([
    ['an operator object as the title', { title: { $gt: '' }, content: 'c' }],
    ['an operator object as a tag', { title: 't', content: 'c', tags: [{ $ne: null }] }],
    ['a $where key', { title: 't', content: 'c', $where: 'sleep(1000)' }],
    ['a dotted key', { title: 't', content: 'c', 'author_id.x': 'y' }],
    ['an author_id of its own', { title: 't', content: 'c', author_id: 'someone-else' }],
  ])('refuses a post with %s (400)', async (_, body) => {
    await expectError(await post(alice, body), 400, 'validation_failed');
  });

  it.each([
    ['$set', { $set: { title: 'x' } }],
    ['$unset', { $unset: { author_id: 1 } }],
    ['an operator as the new tags', { tags: { $each: ['a'] } }],
  ])('refuses an update with %s (400)', async (_, body) => {
    const created = (await (await post(alice, { title: 't', content: 'c' })).json()) as { id: string };
    const res = await fetch(`${stack.gatewayUrl}/api/posts/${created.id}`, {
      method: 'PUT',
      headers: json(alice),
      body: JSON.stringify(body),
    });
    await expectError(res, 400, 'validation_failed');
  });

  it('stores tags that look like operators or paths literally', async () => {
    const tags = ['$where', '$gt', 'a.b', '$', '{"$ne":null}'];
    const res = await post(alice, { title: '$where: function() { return true }', content: '{"$gt": ""}', tags });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string; tags: string[]; title: string };
    const read = (await (
      await fetch(`${stack.gatewayUrl}/api/posts/${created.id}`, { headers: bearer(alice) })
    ).json()) as typeof created;
    expect(read.tags).toEqual(tags);
    expect(read.title).toBe('$where: function() { return true }');
  });

  it('filters by an author id that looks like an operator as the literal string', async () => {
    for (const id of ['{"$ne":null}', '$ne', 'a.b']) {
      const res = await fetch(`${stack.gatewayUrl}/api/posts?author_id=${encodeURIComponent(id)}`, {
        headers: bearer(alice),
      });
      expect(res.status, id).toBe(200);
      expect(((await res.json()) as { count: number }).count, id).toBe(0);
    }
  });

  it.each(['author_id[$ne]=x', 'author_id[$gt]=', '$where=1', 'limit[$gt]=1'])(
    'refuses the query %s (400)',
    async (q) => {
      await expectError(
        await fetch(`${stack.gatewayUrl}/api/posts?${q}`, { headers: bearer(alice) }),
        400,
        'validation_failed',
        q,
      );
    },
  );

  it.each(['$where', '%7B%22%24ne%22%3Anull%7D', 'a.b', '000000000000000000000000', 'ffffffffffffffffffffffffff'])(
    'answers 404 to the post id %s',
    async (id) => {
      for (const method of ['GET', 'DELETE']) {
        await expectError(
          await fetch(`${stack.gatewayUrl}/api/posts/${id}`, { method, headers: bearer(alice) }),
          404,
          'not_found',
          `${method} ${id}`,
        );
      }
    },
  );

  it('refuses an operator object as a profile field (400)', async () => {
    const res = await fetch(`${stack.gatewayUrl}/api/profile`, {
      method: 'PUT',
      headers: json(alice),
      body: JSON.stringify({ display_name: { $gt: '' } }),
    });
    await expectError(res, 400, 'validation_failed');
  });
});

describe('SQL metacharacters', () => {
  const sql = {
    display_name: "Robert'); DROP TABLE user_profiles;--",
    bio: "' OR '1'='1' -- \\ \" ; /* */ %",
    location: '"; DELETE FROM users WHERE ""="',
  };

  it('are stored and returned literally in profile fields', async () => {
    const created = await fetch(`${stack.gatewayUrl}/api/profile`, {
      method: 'POST',
      headers: json(bob),
      body: JSON.stringify(sql),
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject(sql);
    const changed = await fetch(`${stack.gatewayUrl}/api/profile`, {
      method: 'PUT',
      headers: json(bob),
      body: JSON.stringify({ bio: "1; UPDATE user_profiles SET bio='owned'" }),
    });
    expect(await changed.json()).toMatchObject({ ...sql, bio: "1; UPDATE user_profiles SET bio='owned'" });
    const read = await fetch(`${stack.gatewayUrl}/api/profile/${bob.id}`, { headers: bearer(alice) });
    expect(await read.json()).toMatchObject({ display_name: sql.display_name, location: sql.location });
  });

  it('are stored literally in an email address, which allows a quote', async () => {
    const email = `o'brien+${Date.now()}@example.com`;
    const res = await fetch(`${stack.gatewayUrl}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, username: `obrien${Date.now() % 1e9}`, password: 'correct horse battery' }),
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { email: string }).email).toBe(email);
  });

  it.each(["admin'--", 'a" OR 1=1', 'x;DROP TABLE users'])(
    'are refused in a username, which allows letters, digits, _ . - only (400): %s',
    async (username) => {
      const res = await fetch(`${stack.gatewayUrl}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `sql${Date.now()}@example.com`, username, password: 'correct horse battery' }),
      });
      await expectError(res, 400, 'validation_failed');
    },
  );

  it('log nobody in when sent as a password, and find no profile as an id', async () => {
    const login = await fetch(`${stack.gatewayUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: alice.email, password: "' OR '1'='1" }),
    });
    await expectError(login, 401, 'unauthorized');
    await expectError(
      await fetch(`${stack.gatewayUrl}/api/profile/${encodeURIComponent("' OR 1=1--")}`, { headers: bearer(alice) }),
      404,
      'not_found',
    );
  });
});

describe('path traversal in ids', () => {
  it.each([
    '/api/posts/..%2f..%2fetc%2fpasswd',
    '/api/posts/%2e%2e%2fauth%2fme',
    '/api/posts/%2e%2e/%2e%2e/etc/passwd',
    '/api/posts/..%5c..%5cwindows',
    '/api/posts/a%2fb',
    '/api/posts/%252e%252e%252f',
    '/api/posts/%00',
    '/api/posts/..;/x',
    '/api/profile/..%2f..%2fauth%2fme',
    '/api/profile/%2e%2e%2f',
    '/api/activity-stream/user/..%2f..%2fstats',
    '/api/activity-stream/user/%2e%2e%2f%2e%2e%2fposts',
  ])('answers 404 JSON to GET %s with a token', async (path) => {
    await expectError(await raw('GET', path, bearer(alice)), 404, 'not_found', path);
  });

  it('applies the protection of the path a traversal normalizes to', async () => {
    // Normalized to /api/posts before routing: the posts router, with forward-auth.
    for (const path of ['/api/activity-stream/../posts', '/api/activity-stream/%2e%2e/posts', '/api/auth/../posts']) {
      await expectError(await raw('GET', path), 401, 'unauthorized', path);
    }
  });
});

describe('paging parameters', () => {
  const bad = [
    'limit=99999999999999999999',
    'limit=-1',
    'limit=abc',
    'limit=1e2',
    'limit=',
    'limit=0x10',
    'limit=Infinity',
    'limit=%201',
    'skip=-5',
    'skip=1e400',
    'skip=NaN',
    'skip=99999999999',
  ];
  it.each(['/api/posts', '/api/activity-stream', '/api/activity-stream/user'])(
    'refuses huge, negative and non-numeric limit/skip on %s (400)',
    async (path) => {
      for (const q of bad) {
        const body = await expectError(
          await fetch(`${stack.gatewayUrl}${path}?${q}`, { headers: bearer(alice) }),
          400,
          'validation_failed',
          q,
        );
        expect(body.error.issues?.length, q).toBeGreaterThan(0);
      }
    },
  );

  it('refuses a posts cursor that no page gave out, whatever it is made of (400, never a 500)', async () => {
    const forged = [
      '12', // a raw place, as cursors were once
      '999999999999999',
      '-1',
      'AAAAAAA', // one short
      'AAAAAAAAA', // one long
      'AAAA+AAA', // base64, not base64url
      'AAAAAAA=',
      encodeURIComponent(Buffer.from('{"s":"g","p":1}').toString('base64url')),
      encodeURIComponent('{"$gt":""}'),
      '%00AAAAAAA',
      '%C3%A4AAAAAAA',
      'x'.repeat(1_000),
      '',
    ];
    for (const before of forged) {
      const res = await fetch(`${stack.gatewayUrl}/api/posts?before=${before}`, { headers: bearer(alice) });
      const body = await expectError(res, 400, 'validation_failed', before.slice(0, 40));
      const issues = body.error.issues as Array<{ path: string }> | undefined;
      expect(
        issues?.map((i) => i.path),
        before.slice(0, 40),
      ).toContain('before');
    }
  });
});

describe('spoofed identity headers on the real services', () => {
  const spoofed = (victim: TestUser, assertions: IdentityJwt) =>
    assertions.sign({ userId: victim.id, username: victim.username }).then((assertion) => ({
      'X-User-ID': victim.id,
      'X-Username': victim.username,
      'X-Identity-Assertion': assertion,
      X_User_ID: victim.id,
      'X-Forwarded-User': victim.id,
      'X-Forwarded-For': '127.0.0.1',
      'X-Forwarded-Host': 'auth-service',
      'X-Forwarded-Prefix': '/internal',
      'X-Real-IP': '127.0.0.1',
    }));

  it("act as the token's holder, even with another user's genuinely signed assertion", async () => {
    const headers = await spoofed(bob, await stackAssertions());
    const res = await fetch(`${stack.gatewayUrl}/api/posts`, {
      method: 'POST',
      headers: { ...json(alice), ...headers },
      body: JSON.stringify({ title: 't', content: 'c' }),
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { author_id: string }).author_id).toBe(alice.id);
    const me = await fetch(`${stack.gatewayUrl}/api/auth/me`, { headers: { ...bearer(alice), ...headers } });
    expect(((await me.json()) as { id: string }).id).toBe(alice.id);
  });

  it.each([
    [
      'a forged assertion',
      async () => spoofed(bob, identityAssertions((await identityKeyRing(randomBytes(32).toString('hex'))).keys)),
    ],
    ["bob's genuinely signed assertion", async () => spoofed(bob, await stackAssertions())],
  ])('get 401 without a token, with %s', async (_, make) => {
    const headers = await make();
    for (const [method, path] of [
      ['POST', '/api/posts'],
      ['GET', '/api/profile'],
      ['GET', '/api/auth/me'],
      ['GET', '/api/activity-stream/user'],
    ] as const) {
      const res = await fetch(`${stack.gatewayUrl}${path}`, {
        method,
        headers: { ...headers, 'content-type': 'application/json' },
        body: method === 'POST' ? '{"title":"t","content":"c"}' : undefined,
      });
      await expectError(res, 401, 'unauthorized', `${method} ${path}`);
    }
  });
});

describe('bad tokens on every protected route', () => {
  const routes = [
    ['GET', '/api/auth/me'],
    ['GET', '/api/profile'],
    ['GET', '/api/posts'],
    ['POST', '/api/posts'],
    ['GET', '/api/activity-stream/user'],
  ] as const;

  it.each(badTokens(() => alice))('answer 401 JSON to a token %s', async (name, make) => {
    const token = await make();
    for (const [method, path] of routes) {
      const res = await fetch(`${stack.gatewayUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: method === 'POST' ? '{"title":"t","content":"c"}' : undefined,
      });
      await expectError(res, 401, 'unauthorized', `${name}: ${method} ${path}`);
    }
  });

  it.each([
    ['another scheme', () => `Basic ${Buffer.from(`${alice.email}:${alice.password}`).toString('base64')}`],
    ['an empty bearer', () => 'Bearer '],
    ['the token twice', () => `Bearer ${alice.token} ${alice.token}`],
    ['the token in lower-case scheme with trailing junk', () => `bearer ${alice.token}x`],
  ])('answer 401 JSON to %s', async (_, make) => {
    await expectError(
      await fetch(`${stack.gatewayUrl}/api/posts`, { headers: { authorization: make() } }),
      401,
      'unauthorized',
    );
  });

  it('answer 401 JSON to a token in the query string instead of the header', async () => {
    await expectError(await fetch(`${stack.gatewayUrl}/api/posts?access_token=${alice.token}`), 401, 'unauthorized');
  });
});

// Last: it spends this client's allowance of credential attempts.
describe('credential brute force', () => {
  it('hits the rate limit (429 JSON) however the client dresses up its address', async () => {
    let limited: Response | undefined;
    for (let i = 0; i < 100 && !limited; i++) {
      const fake = `10.${i}.${i}.${i}`;
      const res = await fetch(`${stack.gatewayUrl}/api/auth/login`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'X-Forwarded-For': fake,
          'X-Real-IP': fake,
          Forwarded: `for=${fake}`,
          'True-Client-IP': fake,
        },
        body: JSON.stringify({ email: alice.email, password: `guess number ${i}` }),
      });
      if (res.status === 429) limited = res;
      else await expectError(res, 401, 'unauthorized', `attempt ${i}`);
    }
    expect(limited).toBeDefined();
    await expectError(limited!, 429, 'rate_limited');
    await new Promise((r) => setTimeout(r, 4_500)); // let the bucket refill for whoever runs next
  });
});
