import { describe, expect, it } from 'vitest';
import { fillTemplate, markdownTable, replaceSection } from '../src/docs.js';

describe('fillTemplate', () => {
  it('puts every value where its placeholder is, as often as it stands there', () => {
    expect(
      fillTemplate('Run {{date}} · {{cores}} cores.\n{{table}}\n{{cores}}', {
        date: 'today',
        cores: 2,
        table: '| a |',
      }),
    ).toBe('Run today · 2 cores.\n| a |\n2');
  });

  it('leaves what merely looks like a placeholder alone, and values are not read as patterns', () => {
    expect(fillTemplate('{ {x} } {{x}}', { x: '$& {{y}}' })).toBe('{ {x} } $& {{y}}');
  });

  it('refuses a placeholder without a value and a value without a placeholder', () => {
    expect(() => fillTemplate('{{a}} {{b}}', { a: 1 })).toThrow('template needs a value for {{b}}');
    expect(() => fillTemplate('{{a}}', { a: 1, stale: 2 })).toThrow('template has no place for {{stale}}');
  });
});

describe('markdownTable', () => {
  it('writes the header, its rule and one row per entry', () => {
    expect(
      markdownTable(
        ['read', 'p50'],
        [
          ['direct', '0.43 ms'],
          ['gateway', 0.63],
        ],
      ),
    ).toBe('| read | p50 |\n| --- | --- |\n| direct | 0.43 ms |\n| gateway | 0.63 |');
  });
});

describe('replaceSection', () => {
  it('appends a new section after what is there', () => {
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
