import { ConfigError, loadConfig } from '@feedmesh/common';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../src/config.js';

const good = {
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/microservices_db',
  JWT_SECRET: 'j'.repeat(32),
  IDENTITY_ASSERTION_KEY: 'i'.repeat(32),
};

describe('auth-service config', () => {
  it('accepts 32-byte secrets and defaults tokens to 24 hours', () => {
    expect(loadConfig('auth-service', configSchema, good).TOKEN_TTL_SECONDS).toBe(86_400);
  });

  it.each(['JWT_SECRET', 'IDENTITY_ASSERTION_KEY'])(
    'refuses to start with %s missing or shorter than 32 bytes',
    (name) => {
      for (const value of [undefined, 'too-short-secret']) {
        const attempt = () => loadConfig('auth-service', configSchema, { ...good, [name]: value });
        expect(attempt).toThrow(ConfigError);
        expect(attempt).toThrow(new RegExp(`${name}: `));
      }
    },
  );
});
