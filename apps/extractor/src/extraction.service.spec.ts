import { buildKeyListStatement } from './keyset-statement.builder';
import { groupIntoParts, keysFittingStatement, prefetched } from './extraction.service';

describe('prefetched', () => {
  it('yields every item in order and asks for the next page before the current one is processed', async () => {
    const requested: number[] = [];
    async function* pages(): AsyncGenerator<number> {
      for (let page = 1; page <= 3; page++) {
        requested.push(page);
        await Promise.resolve();
        yield page;
      }
    }
    const seen: Array<{ page: number; requestedBeforeProcessing: number[] }> = [];
    for await (const page of prefetched(pages())) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push({ page, requestedBeforeProcessing: [...requested] });
    }
    expect(seen.map((entry) => entry.page)).toEqual([1, 2, 3]);
    expect(seen[0]?.requestedBeforeProcessing).toEqual([1, 2]);
  });

  it('surfaces a failure of a prefetched page where it is consumed', async () => {
    async function* failing(): AsyncGenerator<number> {
      yield 1;
      await Promise.resolve();
      throw new Error('page 2 failed');
    }
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const page of prefetched(failing())) seen.push(page);
      })(),
    ).rejects.toThrow('page 2 failed');
    expect(seen).toEqual([1]);
  });
});

describe('groupIntoParts', () => {
  it('keeps every file, in order, in at most maxParts parts of near-equal size', () => {
    const files = Array.from({ length: 10 }, (_, index) => index);
    const parts = groupIntoParts(files, 4);
    expect(parts).toHaveLength(4);
    expect(parts.flat()).toEqual(files);
    expect(parts.map((part) => part.length).sort()).toEqual([2, 2, 3, 3]);
    expect(groupIntoParts(files, 2000)).toEqual(files.map((file) => [file]));
    expect(groupIntoParts([], 4)).toEqual([]);
  });
});

describe('keysFittingStatement', () => {
  it('fits 500 short keys, and fewer wide composite keys, under the Data API SQL limit', () => {
    const build =
      (primaryKey: string[], castTypes: Record<string, string>) => (keys: readonly (readonly string[])[]) =>
        buildKeyListStatement({ source: '"t"', castTypes, projection: ['q."id"'], primaryKey, keys });
    expect(keysFittingStatement([['1']], build(['id'], { id: 'BIGINT' }))).toBe(500);
    const wide = ['tenant_identifier', 'order_identifier', 'line_number_of_order', 'region_code_name'];
    const types = Object.fromEntries(wide.map((name) => [name, 'VARCHAR(256)']));
    const keys = Array.from({ length: 500 }, (_, index) => wide.map((name) => `${name}-${index}`));
    const fitting = keysFittingStatement(keys, build(wide, types));
    expect(fitting).toBeLessThan(500);
    expect(build(wide, types)(keys.slice(0, fitting)).sql.length).toBeLessThanOrEqual(90_000);
    expect(build(wide, types)(keys.slice(0, fitting + 40)).sql.length).toBeGreaterThan(90_000);
  });
});
