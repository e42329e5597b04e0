// The search of verify: from the whole table's buckets (by the key's MD5 prefix) down to buckets
// of a few dozen rows, following only the buckets whose count or checksum differs between the two
// sides. Each level's parents are asked for `chunkSize` at a time, and each chunk's buckets are
// compared as they arrive, so the search holds one chunk's buckets (16 per parent) and the
// differing ones, never a whole level: at 10,000,000 rows with 110,500 differences a level held
// about 850,000 buckets a side.

export interface Bucket {
  readonly rows: number;
  readonly sum: string;
}

export interface DifferingBucket {
  readonly bucket: string;
  /** The larger side's rows: what fetching the bucket's rows costs. */
  readonly rows: number;
}

export interface BucketSearchOptions {
  /** The prefix length of the first pass (no parents: the whole table). */
  readonly firstLevel: number;
  readonly maxLevel: number;
  /** A differing bucket is split again while its rows average more than this. */
  readonly rowsPerFinalBucket: number;
  /** Parents per statement. */
  readonly chunkSize: number;
}

export interface BucketSearchResult {
  /** The last level's differing buckets: the ones whose rows are compared key by key. */
  readonly differing: readonly DifferingBucket[];
  readonly level: number;
  /** Rows of each side, from the first pass. */
  readonly rowsSource: number;
  readonly rowsTarget: number;
  /** Buckets compared over every level. */
  readonly rangesCompared: number;
  /** Whether the first pass found any bucket differing (so the tables are not equal). */
  readonly bucketsDiffered: boolean;
}

/**
 * One side's buckets at `level` (prefix length), within `parents` (prefixes one shorter), or the
 * whole table's when `parents` is null.
 */
export type BucketsAt = (level: number, parents: readonly string[] | null) => Promise<Map<string, Bucket>>;

export async function searchDifferingBuckets(
  source: BucketsAt,
  target: BucketsAt,
  options: BucketSearchOptions,
): Promise<BucketSearchResult> {
  let level = options.firstLevel;
  let parents: readonly string[] | null = null;
  let differing: DifferingBucket[] = [];
  let rowsSource = 0;
  let rowsTarget = 0;
  let rangesCompared = 0;
  let bucketsDiffered = false;
  for (;;) {
    const next: DifferingBucket[] = [];
    for (const chunk of parents === null ? [null] : chunks(parents, options.chunkSize)) {
      const [fromSource, fromTarget] = await Promise.all([source(level, chunk), target(level, chunk)]);
      if (chunk === null) {
        for (const bucket of fromSource.values()) rowsSource += bucket.rows;
        for (const bucket of fromTarget.values()) rowsTarget += bucket.rows;
      }
      const names = new Set([...fromSource.keys(), ...fromTarget.keys()]);
      rangesCompared += names.size;
      for (const name of names) {
        const a = fromSource.get(name);
        const b = fromTarget.get(name);
        if (a === undefined || b === undefined || a.rows !== b.rows || a.sum !== b.sum)
          next.push({ bucket: name, rows: Math.max(a?.rows ?? 0, b?.rows ?? 0) });
      }
    }
    if (parents === null) bucketsDiffered = next.length > 0;
    differing = next;
    const average =
      differing.reduce((total, bucket) => total + bucket.rows, 0) / Math.max(1, differing.length);
    if (differing.length === 0 || average <= options.rowsPerFinalBucket || level >= options.maxLevel) break;
    parents = differing.map((bucket) => bucket.bucket);
    level += 1;
  }
  return { differing, level, rowsSource, rowsTarget, rangesCompared, bucketsDiffered };
}

export function chunks<Item>(items: readonly Item[], size: number): Item[][] {
  const result: Item[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}
