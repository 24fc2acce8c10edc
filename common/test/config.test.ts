import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ALLOW_PUBLISHED_KEYS,
  ConfigError,
  csvList,
  loadConfig,
  mongodbLoginUrl,
  PUBLISHED_KEYS,
  secretSchema,
  serviceConfigShape,
} from '../src/config.js';

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

describe('secrets in config', () => {
  const keyed = z.object({ SIGNING_KEY: secretSchema('the signing key') });
  const problemsOf = (env: Record<string, string>) => {
    try {
      loadConfig('svc', keyed, env);
    } catch (err) {
      return (err as ConfigError).problems;
    }
    return [];
  };
  const dir = mkdtempSync(join(tmpdir(), 'config-test-'));
  const file = (name: string, content: string) => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };

  it('reads NAME from the file NAME_FILE names, without its trailing newline', () => {
    const key = 'k'.repeat(40);
    expect(loadConfig('svc', keyed, { SIGNING_KEY_FILE: file('key', `${key}\n`) }).SIGNING_KEY).toBe(key);
  });

  it('leaves alone a NAME_FILE whose NAME the schema does not know (a tool of the environment)', () => {
    expect(() => loadConfig('svc', z.object({}), { TF_CLI_CONFIG_FILE: join(dir, 'missing') })).not.toThrow();
  });

  it('refuses NAME given twice, and a file it cannot read, without echoing a value read from a file', () => {
    expect(problemsOf({ SIGNING_KEY: 'k'.repeat(40), SIGNING_KEY_FILE: file('k2', 'x') })).toEqual([
      expect.stringMatching(/^SIGNING_KEY: given both/),
    ]);
    expect(problemsOf({ SIGNING_KEY_FILE: join(dir, 'missing') })[0]).toMatch(
      /^SIGNING_KEY_FILE: cannot read .* \(ENOENT\)$/,
    );
    const short = problemsOf({ SIGNING_KEY_FILE: file('short', 'tiny-secret') });
    expect(short).toHaveLength(1);
    expect(short[0]).not.toContain('tiny-secret');
  });

  it('refuses every key this repository once published, from the environment or a file, unless the development flag says so', () => {
    for (const published of PUBLISHED_KEYS) {
      expect(problemsOf({ SIGNING_KEY: published })[0]).toMatch(/^SIGNING_KEY: a key published in this repository/);
      expect(problemsOf({ SIGNING_KEY_FILE: file('published', published) })[0]).toMatch(
        /^SIGNING_KEY: a key published/,
      );
      expect(loadConfig('svc', keyed, { SIGNING_KEY: published, [ALLOW_PUBLISHED_KEYS]: 'true' }).SIGNING_KEY).toBe(
        published,
      );
    }
  });
});

describe('mongodbLoginUrl', () => {
  it("logs a named user in with PLAIN against $external, FerretDB's way, the password put in", () => {
    const url = new URL(mongodbLoginUrl('mongodb://posts_service@127.0.0.1:27017/', 'p@ss:w/rd'));
    expect(decodeURIComponent(url.username)).toBe('posts_service');
    expect(decodeURIComponent(url.password)).toBe('p@ss:w/rd');
    expect(url.searchParams.get('authMechanism')).toBe('PLAIN');
    expect(url.searchParams.get('authSource')).toBe('$external');
  });

  it('keeps a mechanism the URL names, and a URL without a user as it is', () => {
    const scram = 'mongodb://u@127.0.0.1:27017/?authMechanism=SCRAM-SHA-256';
    expect(new URL(mongodbLoginUrl(scram, 'x')).searchParams.get('authMechanism')).toBe('SCRAM-SHA-256');
    expect(mongodbLoginUrl('mongodb://127.0.0.1:27017/', undefined)).toBe('mongodb://127.0.0.1:27017/');
  });
});
