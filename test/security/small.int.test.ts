import { beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { eventually, newUser, stack, type TestUser } from '@feedmesh/testkit';
import { expectError } from '../support/errors.js';

// The smaller findings of the security review, each replayed as the attack it
// was, through the real gateway (and, where the finding was about them, the
// services' own addresses).

let alice: TestUser;
beforeAll(async () => {
  alice = await newUser('small');
});

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
