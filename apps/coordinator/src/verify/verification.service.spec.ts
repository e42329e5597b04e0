import { repairCapNote, repairKeysLeft } from './verification.service';
import type { VerifyReport } from './table-verifier.service';

function report(counts: Pick<VerifyReport, 'missing' | 'different' | 'extra'>): VerifyReport {
  return {
    job: 'bench_rows',
    equal: false,
    rowsSource: 10_000_000,
    rowsTarget: 9_900_500,
    rangesCompared: 0,
    rowsCompared: 0,
    statements: 0,
    seconds: 0,
    sample: [],
    columnsCompared: [],
    columnsSkipped: [],
    ...counts,
  };
}

describe('repairCapNote', () => {
  it('says nothing when one repair took every difference', () => {
    expect(repairCapNote(report({ missing: 10_000, different: 1_000, extra: 500 }), 11_000, 500)).toBeNull();
  });

  it('names what was left when the differences pass what one repair takes (seen at 10,000,000 rows)', () => {
    expect(repairCapNote(report({ missing: 100_000, different: 10_000, extra: 500 }), 100_000, 500)).toBe(
      're-synced 100000 of 110000 missing or different keys (one repair takes at most 100000 of each); ' +
        'run verify --repair again for the rest',
    );
    expect(repairCapNote(report({ missing: 0, different: 0, extra: 150_000 }), 0, 100_000)).toMatch(
      /^took 100000 of 150000 extra keys/,
    );
  });
});

describe('repairKeysLeft', () => {
  it('is 0 when one repair took every difference', () => {
    expect(repairKeysLeft(report({ missing: 10_000, different: 1_000, extra: 500 }), 11_000, 500)).toBe(0);
  });

  it('counts the keys above the cap, of both kinds, for the next repair', () => {
    expect(repairKeysLeft(report({ missing: 100_000, different: 10_000, extra: 500 }), 100_000, 500)).toBe(
      10_000,
    );
    expect(repairKeysLeft(report({ missing: 0, different: 0, extra: 150_000 }), 0, 100_000)).toBe(50_000);
    expect(repairKeysLeft(report({ missing: 120_000, different: 0, extra: 130_000 }), 100_000, 100_000)).toBe(
      50_000,
    );
  });
});
