import { describe, expect, it } from 'vitest';
import { parseEnvFile, serviceUrl } from '../src/stack.js';

describe('parseEnvFile', () => {
  it('reads KEY=value lines, the value whole after the first =, and skips the rest', () => {
    const text = [
      '# Written by stack/mesh up',
      'GATEWAY_URL=http://localhost:4080',
      '',
      'PG_MAJOR=15',
      'DATABASE_URL=postgres://u:p@h/db?sslmode=disable&x=y',
      'lower=case',
      '  INDENTED=no',
    ].join('\n');
    expect(parseEnvFile(text)).toEqual({
      GATEWAY_URL: 'http://localhost:4080',
      PG_MAJOR: '15',
      DATABASE_URL: 'postgres://u:p@h/db?sslmode=disable&x=y',
    });
  });
});

describe('serviceUrl', () => {
  it('is the address the stack names after the service (POSTS_URL for posts-service), the environment first', () => {
    const before = process.env.POSTS_URL;
    process.env.POSTS_URL = 'http://127.0.0.1:9003';
    try {
      expect(serviceUrl('posts-service')).toBe('http://127.0.0.1:9003');
    } finally {
      if (before === undefined) delete process.env.POSTS_URL;
      else process.env.POSTS_URL = before;
    }
  });

  it('refuses a service mesh.json does not have', () => {
    expect(() => serviceUrl('nope-service')).toThrow('mesh.json has no service nope-service');
  });
});
