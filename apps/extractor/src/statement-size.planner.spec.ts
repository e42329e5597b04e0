import { QuperSyncError } from '@qupersync/contracts';
import { declaredRowBytes, isResultSizeFailure, StatementSizePlanner } from './statement-size.planner';

const limits = { maxRows: 100_000, maxResultBytes: 100 * 1024 * 1024 };

describe('StatementSizePlanner', () => {
  it('asks for the row cap when rows are small', () => {
    expect(new StatementSizePlanner(limits, 100).rows).toBe(100_000);
  });

  it('sizes statements by bytes: half the result limit over the declared row size', () => {
    expect(new StatementSizePlanner(limits, 60_001).rows).toBe(873);
  });

  it('follows the size the service measured', () => {
    const planner = new StatementSizePlanner(limits, 60_001);
    planner.observed(873, 873 * 1_000);
    expect(planner.rows).toBe(52_428);
    planner.observed(0, null);
    expect(planner.rows).toBe(52_428);
  });

  it('halves a statement that failed for size and never asks for more again', () => {
    const planner = new StatementSizePlanner(limits, 60_001);
    expect(planner.shrink(873)).toBe(true);
    expect(planner.rows).toBe(436);
    planner.observed(436, 436 * 100);
    expect(planner.rows).toBe(436);
    expect(planner.shrink(436)).toBe(true);
    expect(planner.rows).toBe(218);
  });

  it('cannot shrink a statement of one row', () => {
    const planner = new StatementSizePlanner(limits, 60_001);
    expect(planner.shrink(1)).toBe(false);
  });
});

describe('declaredRowBytes', () => {
  it('counts a VARCHAR by its length and other types by their printed width', () => {
    const column = (sqlType: string, precision: number | null) => ({
      name: 'c',
      kind: 'text' as const,
      sqlType,
      precision,
      scale: null,
      nullable: true,
    });
    expect(declaredRowBytes([column('varchar', 60_000), column('bigint', null)])).toBe(60_000 + 1 + 24 + 1);
  });
});

describe('isResultSizeFailure', () => {
  it("recognises both of the Data API's size messages, and nothing else", () => {
    const failure = (message: string) => new QuperSyncError('SOURCE_STATEMENT_FAILED', 'permanent', message);
    expect(isResultSizeFailure(failure('Packet for query is too large: a result row of 70000 bytes'))).toBe(
      true,
    );
    expect(isResultSizeFailure(failure('Database response exceeded size limit'))).toBe(true);
    expect(isResultSizeFailure(failure('relation "x" does not exist'))).toBe(false);
    expect(isResultSizeFailure(new Error('Packet for query is too large'))).toBe(false);
  });
});
