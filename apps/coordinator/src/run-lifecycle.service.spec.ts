import { rowAccountingError } from './run-lifecycle.service';

const balanced = { rowsExtracted: 100, rowsReported: 100, rowsLoaded: 90, rowsInvalid: 6, rowsRejected: 4 };

describe('rowAccountingError', () => {
  it('accepts a run whose rows are all loaded, invalid or rejected', () => {
    expect(rowAccountingError(balanced)).toBeNull();
    expect(rowAccountingError({ ...balanced, rowsReported: null })).toBeNull();
  });

  it('names the counts when rows are missing or counted twice', () => {
    expect(rowAccountingError({ ...balanced, rowsLoaded: 89 })).toBe(
      'row accounting: 100 rows extracted but 99 accounted for (89 loaded, 6 invalid, 4 rejected)',
    );
    expect(rowAccountingError({ ...balanced, rowsInvalid: 7 })).toMatch(/101 accounted for/);
  });

  it('refuses batches that do not add up to what the extractor reported', () => {
    expect(rowAccountingError({ ...balanced, rowsReported: 120 })).toBe(
      'row accounting: the extractor reported 120 rows but its batches hold 100',
    );
  });
});
