import { createHash } from 'node:crypto';
import { Bucket, BucketsAt, searchDifferingBuckets } from './bucket.search';

/** A side as verify sees it: key → row checksum. */
type Side = Map<string, string>;

const prefixOf = (key: string): string => createHash('md5').update(key).digest('hex');

/** BucketsAt over an in-memory side, recording the largest answer it gave. */
function bucketsOver(side: Side): { bucketsAt: BucketsAt; largestAnswer: () => number } {
  let largest = 0;
  const hashed = [...side].map(([key, row]) => ({ prefix: prefixOf(key), row }));
  return {
    largestAnswer: () => largest,
    bucketsAt: (level, parents) => {
      const within = parents === null ? null : new Set(parents);
      const sums = new Map<string, { rows: number; sum: bigint }>();
      for (const { prefix, row } of hashed) {
        if (within !== null && !within.has(prefix.slice(0, level - 1))) continue;
        const name = prefix.slice(0, level);
        const bucket = sums.get(name) ?? { rows: 0, sum: 0n };
        bucket.rows += 1;
        bucket.sum += BigInt(`0x${row.slice(0, 15)}`);
        sums.set(name, bucket);
      }
      const found = new Map<string, Bucket>();
      for (const [name, bucket] of sums) found.set(name, { rows: bucket.rows, sum: bucket.sum.toString() });
      largest = Math.max(largest, found.size);
      return Promise.resolve(found);
    },
  };
}

function table(keys: number): Side {
  const side: Side = new Map();
  for (let key = 0; key < keys; key++) side.set(String(key), prefixOf(`row ${key}`));
  return side;
}

const options = { firstLevel: 1, maxLevel: 8, rowsPerFinalBucket: 4 };

describe('searchDifferingBuckets', () => {
  it('ends at the first pass when every bucket is equal, with both sides counted', async () => {
    const source = table(5_000);
    const result = await searchDifferingBuckets(
      bucketsOver(source).bucketsAt,
      bucketsOver(new Map(source)).bucketsAt,
      { ...options, chunkSize: 6_000 },
    );
    expect(result).toMatchObject({ differing: [], level: 1, rowsSource: 5_000, rowsTarget: 5_000 });
    expect(result.bucketsDiffered).toBe(false);
  });

  it('finds the bucket of every missing, extra and different key, asking one chunk of parents at a time', async () => {
    const source = table(5_000);
    const target = new Map(source);
    const changed: string[] = [];
    for (let key = 0; key < 5_000; key += 97) {
      target.delete(String(key));
      changed.push(String(key));
    }
    for (let key = 13; key < 5_000; key += 211) {
      target.set(String(key), prefixOf(`changed ${key}`));
      changed.push(String(key));
    }
    for (let key = 5_000; key < 5_040; key++) {
      target.set(String(key), prefixOf(`row ${key}`));
      changed.push(String(key));
    }

    const searches = await Promise.all(
      [6_000, 3].map(async (chunkSize) => {
        const sourceSide = bucketsOver(source);
        const targetSide = bucketsOver(target);
        const result = await searchDifferingBuckets(sourceSide.bucketsAt, targetSide.bucketsAt, {
          ...options,
          chunkSize,
        });
        return {
          result,
          largest: Math.max(sourceSide.largestAnswer(), targetSide.largestAnswer()),
        };
      }),
    );
    const [whole, chunked] = searches;
    if (whole === undefined || chunked === undefined) throw new Error('two searches expected');
    expect(whole.result.level).toBeGreaterThan(2);
    expect(whole.result.rowsTarget).toBe(5_000 - 52 + 40);
    expect(whole.result.bucketsDiffered).toBe(true);
    // Nothing lost: each changed key's bucket at the last level is among the differing ones, and
    // each differing bucket holds a changed key.
    const found = new Set(whole.result.differing.map((bucket) => bucket.bucket));
    const ofChanged = new Set(changed.map((key) => prefixOf(key).slice(0, whole.result.level)));
    expect([...found].sort()).toEqual([...ofChanged].sort());
    // Asked three parents at a time, the search finds the same buckets and never gets more than
    // 16 buckets per parent asked for at once, whatever the level's size.
    expect(chunked.result).toMatchObject({
      level: whole.result.level,
      rowsSource: whole.result.rowsSource,
      rowsTarget: whole.result.rowsTarget,
      rangesCompared: whole.result.rangesCompared,
    });
    expect(chunked.result.differing.map((bucket) => bucket.bucket).sort()).toEqual([...found].sort());
    expect(chunked.largest).toBeLessThanOrEqual(3 * 16);
    expect(whole.largest).toBeGreaterThan(3 * 16);
  });
});
