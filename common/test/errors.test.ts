import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiError, errorHandler, notFoundHandler, storeUnavailable } from '../src/errors.js';

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
  a.get('/db-down', () => {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
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

  it('answers 503 unavailable when a store cannot be reached', async () => {
    const res = await app().request('/db-down');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'unavailable' } });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await app().request('/nope', { method: 'DELETE' });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'no route for DELETE /nope' } });
  });
});

describe('storeUnavailable', () => {
  const err = (message: string, fields: Record<string, unknown> = {}) => Object.assign(new Error(message), fields);
  const named = (name: string, message: string, fields: Record<string, unknown> = {}) =>
    Object.assign(err(message, fields), { name });

  // Errors as logged by the services while the fault suite restarted PostgreSQL.
  it.each([
    ['a refused socket (pg)', err('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED' })],
    ['a reset socket', err('read ECONNRESET', { code: 'ECONNRESET' })],
    ['PostgreSQL shutting down', named('error', 'the database system is shutting down', { code: '57P03' })],
    ['PostgreSQL gone mid-connection', err('Connection terminated unexpectedly')],
    [
      'the MongoDB driver losing its server',
      named('MongoServerSelectionError', 'connect ECONNREFUSED 127.0.0.1:27017'),
    ],
    [
      'FerretDB without its PostgreSQL',
      named(
        'MongoServerError',
        '[msg_insert.go:168 handler.(*Handler).MsgInsert] failed to connect to `user=feedmesh database=ferretdb`: server error: FATAL: the database system is shutting down (SQLSTATE 57P03)',
        { code: 1 },
      ),
    ],
    [
      'FerretDB without its PostgreSQL, answering a batch insert',
      named(
        'MongoBulkWriteError',
        '[msg_insert.go:168 handler.(*Handler).MsgInsert] failed to connect to `user=feedmesh database=ferretdb`:\n\t127.0.0.1:5432 (127.0.0.1): dial error: dial tcp 127.0.0.1:5432: connect: connection refused',
        { code: 1 },
      ),
    ],
  ])('recognises %s', (_label, e) => {
    expect(storeUnavailable(e)).toBe(true);
  });

  it.each([
    ['a bug', err('Cannot read properties of undefined')],
    ['a constraint violation', named('error', 'duplicate key value violates unique constraint', { code: '23505' })],
    ['a MongoDB duplicate key', named('MongoServerError', 'E11000 duplicate key error', { code: 11000 })],
    [
      'a batch insert hitting a duplicate key',
      named('MongoBulkWriteError', 'E11000 duplicate key error', { code: 11000 }),
    ],
    ['a FerretDB internal error of another kind', named('MongoServerError', 'unexpected type', { code: 1 })],
  ])('leaves %s a 500', (_label, e) => {
    expect(storeUnavailable(e)).toBe(false);
  });
});
