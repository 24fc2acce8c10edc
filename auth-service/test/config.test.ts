import { ConfigError, loadConfig } from '@feedmesh/common';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../src/config.js';

const good = {
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/microservices_db',
  JWT_SECRET: 'j'.repeat(32),
  IDENTITY_SIGNING_KEY: 'a1'.repeat(32),
  KAFKA_BROKERS: '127.0.0.1:9092',
  KAFKA_PASSWORD: 'k'.repeat(32),
};

describe('auth-service config', () => {
  it('accepts 32-byte secrets and defaults tokens to 24 hours', () => {
    expect(loadConfig('auth-service', configSchema, good).TOKEN_TTL_SECONDS).toBe(86_400);
  });

  it.each([
    ['JWT_SECRET', 'too-short-secret'],
    ['IDENTITY_SIGNING_KEY', 'a1'.repeat(31)],
    // 32 bytes, but not the hex seed secret_file makes (an old HMAC key, say).
    ['IDENTITY_SIGNING_KEY', 'i'.repeat(64)],
  ])('refuses to start with %s missing or malformed (%s)', (name, bad) => {
    for (const value of [undefined, bad]) {
      const attempt = () => loadConfig('auth-service', configSchema, { ...good, [name]: value });
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(new RegExp(`${name}: `));
    }
  });

  it('takes previous signing keys, comma-separated, for a rotation', () => {
    const config = loadConfig('auth-service', configSchema, {
      ...good,
      IDENTITY_PREVIOUS_KEYS: `${'b2'.repeat(32)},${'c3'.repeat(32)}`,
    });
    expect(config.IDENTITY_PREVIOUS_KEYS).toEqual(['b2'.repeat(32), 'c3'.repeat(32)]);
    const bad = () => loadConfig('auth-service', configSchema, { ...good, IDENTITY_PREVIOUS_KEYS: 'nope' });
    expect(bad).toThrow(/IDENTITY_PREVIOUS_KEYS/);
  });
});
