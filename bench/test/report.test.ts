import { describe, expect, it } from 'vitest';
import { failedCell, replaceSection } from '../src/report.js';

describe('replaceSection', () => {
  it('appends a new benchmark section after what is there', () => {
    expect(replaceSection('# Benchmarks\n\nintro\n', 'auth', 'figures')).toBe(
      '# Benchmarks\n\nintro\n\n<!-- auth:begin -->\nfigures\n<!-- auth:end -->\n',
    );
  });

  it('replaces only its own section on a later run', () => {
    const doc =
      '# B\n<!-- auth:begin -->\nold\n<!-- auth:end -->\nkeep\n<!-- feed:begin -->\nfeed\n<!-- feed:end -->\n';
    expect(replaceSection(doc, 'auth', 'new $& figures')).toBe(
      '# B\n<!-- auth:begin -->\nnew $& figures\n<!-- auth:end -->\nkeep\n<!-- feed:begin -->\nfeed\n<!-- feed:end -->\n',
    );
  });
});

describe('failedCell', () => {
  const none = { network: 0, status_4xx: 0, status_5xx: 0 };
  it('shows the failure rate alone when nothing failed', () => {
    expect(failedCell({ failed_ratio: 0, failed: none })).toBe('0.00 %');
  });

  it('names the causes of failures', () => {
    expect(failedCell({ failed_ratio: 0.2372, failed: { network: 3, status_4xx: 0, status_5xx: 600 } })).toBe(
      '23.72 % (600 × 5xx, 3 unanswered)',
    );
  });
});
