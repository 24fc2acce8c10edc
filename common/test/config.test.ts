import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, csvList, loadConfig, serviceConfigShape } from '../src/config.js';

const schema = z.object({ ...serviceConfigShape({ port: 5001 }), DATABASE_URL: z.url(), KAFKA_BROKERS: csvList });

describe('loadConfig', () => {
  it('applies defaults and coerces numbers and booleans', () => {
    const config = loadConfig('svc', schema, {
      DATABASE_URL: 'postgres://u:p@h/db',
      KAFKA_BROKERS: 'a:1, b:2',
      CONSUL_REGISTER: 'false',
    });
    expect(config.PORT).toBe(5001);
    expect(config.HOST).toBe('127.0.0.1');
    expect(config.CONSUL_REGISTER).toBe(false);
    expect(config.KAFKA_BROKERS).toEqual(['a:1', 'b:2']);
  });

  it('names every bad variable with the value it got, in one readable message', () => {
    const attempt = () =>
      loadConfig('auth-service', schema, { PORT: 'eighty', LOG_LEVEL: 'loud', KAFKA_BROKERS: ' , ' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (err) {
      const { message, problems } = err as ConfigError;
      expect(message.split('\n')[0]).toBe('auth-service: invalid configuration');
      expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
        'DATABASE_URL',
        'KAFKA_BROKERS',
        'LOG_LEVEL',
        'PORT',
      ]);
      expect(message).toContain('PORT: ');
      expect(message).toContain('(got "eighty")');
    }
  });

  it('rejects a port out of range', () => {
    expect(() =>
      loadConfig('svc', schema, { PORT: '70000', DATABASE_URL: 'postgres://h/db', KAFKA_BROKERS: 'a:1' }),
    ).toThrow(/PORT/);
  });
});
