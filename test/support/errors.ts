import type { ErrorCode } from '@feedmesh/common';
import { expect } from 'vitest';

/**
 * Checks that a response is the one error shape, exactly: JSON,
 * `{"error":{"code","message","issues?"}}` and nothing else, with the status
 * and code given. Returns the body for further checks.
 */
export async function expectError(res: Response, status: number, code: ErrorCode, context = '') {
  const text = await res.text();
  expect(res.status, `${context} ${text}`).toBe(status);
  expect(res.headers.get('content-type'), context).toMatch(/^application\/json/);
  const body = JSON.parse(text) as { error: { code: string; message: string; issues?: unknown[] } };
  expect(Object.keys(body), context).toEqual(['error']);
  expect(body.error.code, context).toBe(code);
  expect(typeof body.error.message, context).toBe('string');
  expect(
    Object.keys(body.error).filter((k) => !['code', 'message', 'issues'].includes(k)),
    context,
  ).toEqual([]);
  if (body.error.issues) expect(Array.isArray(body.error.issues), context).toBe(true);
  return body;
}
