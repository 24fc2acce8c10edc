import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiError, errorHandler, notFoundHandler } from '../src/errors.js';

function app() {
  const a = new Hono();
  a.onError(errorHandler(pino({ level: 'silent' })));
  a.notFound(notFoundHandler);
  a.get('/api-error', () => {
    throw new ApiError(409, 'conflict', 'email already registered');
  });
  a.get('/zod', () => {
    z.object({ title: z.string() }).parse({ title: 1 });
    return new Response();
  });
  a.get('/too-big', () => {
    throw new HTTPException(413, { message: 'body too large' });
  });
  a.get('/bug', () => {
    throw new Error('secret internals');
  });
  return a;
}

describe('the one error shape', () => {
  it('keeps the status, code and message of an ApiError', async () => {
    const res = await app().request('/api-error');
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ error: { code: 'conflict', message: 'email already registered' } });
  });

  it('turns a ZodError into a 400 listing the issues', async () => {
    const res = await app().request('/zod');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; issues: Array<{ path: string }> } };
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.issues[0]?.path).toBe('title');
  });

  it('maps framework HTTP errors to a code by status', async () => {
    const res = await app().request('/too-big');
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: { code: 'payload_too_large', message: 'body too large' } });
  });

  it('hides the details of an unexpected error behind a 500', async () => {
    const res = await app().request('/bug');
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: 'internal', message: 'internal error' } });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await app().request('/nope', { method: 'DELETE' });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'no route for DELETE /nope' } });
  });
});
