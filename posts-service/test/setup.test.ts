import { existsSync } from 'node:fs';
import { serviceManifest } from '@feedmesh/common';
import { describe, expect, it } from 'vitest';

describe('the setup of posts-service', () => {
  it('is declared in mesh.json, built from a source file of the service', () => {
    const { setup } = serviceManifest('posts-service');
    expect(setup).toBe('dist/setup.js');
    const source = setup!.replace(/^dist\/(.*)\.js$/, 'src/$1.ts');
    expect(existsSync(new URL(`../${source}`, import.meta.url))).toBe(true);
  });
});
