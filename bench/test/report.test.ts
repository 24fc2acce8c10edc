import { describe, expect, it } from 'vitest';
import { replaceSection } from '../src/report.js';

describe('replaceSection', () => {
  it('appends a new benchmark section after what is there', () => {
    expect(replaceSection('# Benchmarks\n\nintro\n', 'auth', 'figures')).toBe('# Benchmarks\n\nintro\n\n<!-- auth:begin -->\nfigures\n<!-- auth:end -->\n');
  });

  it('replaces only its own section on a later run', () => {
    const doc = '# B\n<!-- auth:begin -->\nold\n<!-- auth:end -->\nkeep\n<!-- feed:begin -->\nfeed\n<!-- feed:end -->\n';
    expect(replaceSection(doc, 'auth', 'new $& figures')).toBe('# B\n<!-- auth:begin -->\nnew $& figures\n<!-- auth:end -->\nkeep\n<!-- feed:begin -->\nfeed\n<!-- feed:end -->\n');
  });
});
