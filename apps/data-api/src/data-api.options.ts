// Tunables of the local Data API endpoint. The environment carries only the database URL, port
// and log level; the limits below have defaults close to the real service (or to what keeps a
// laptop healthy) and tests may override them when they create the application in-process.

export interface DataApiOptions {
  readonly warehouseDatabaseUrl: string;
  /** Statements SUBMITTED, PICKED or STARTED at once before ActiveStatementsExceededException (real: ~200). */
  readonly maxActiveStatements: number;
  /** Statements running on the warehouse at once; the rest wait in SUBMITTED. */
  readonly maxConcurrentStatements: number;
  /** Large finished results kept open (each holds one warehouse connection); the least recently read is dropped first. */
  readonly maxRetainedResults: number;
  /** A finished result nobody reads is dropped after this long (real: 24 h). */
  readonly resultTtlMs: number;
  /**
   * The last page of a result read to the end is kept this long, so a client retrying that
   * request (its response lost) still gets it. Short: each kept page is up to a page of memory.
   */
  readonly finalPageTtlMs: number;
  /** Statement descriptions kept for DescribeStatement/ListStatements; the oldest finished go first. */
  readonly maxStatementRecords: number;
  /** A GetStatementResult page holds at most this many records... */
  readonly pageMaxRecords: number;
  /** ...and stops adding records once its estimated JSON size passes this many bytes. */
  readonly pageMaxBytes: number;
  /** The real service rejects statement text over 100 KB. */
  readonly maxSqlLength: number;
  /** "Packet for query is too large": a result row above this fails its statement (real: 64 KB). */
  readonly maxRowBytes: number;
  /** "Database response exceeded size limit": a result above this fails its statement (100 MB in older docs, 500 MB today). */
  readonly maxResultBytes: number;
  /** UNLOAD … PARALLEL ON writes one file series per slice; the local warehouse plays this many. */
  readonly unloadSlices: number;
  /** UNLOAD cuts a file at this size (or MAXFILESIZE when smaller); each part is held in memory until written. */
  readonly unloadPartBytes: number;
  /** Where UNLOAD writes: an S3-compatible server's URL, or undefined for AWS S3. */
  readonly s3Endpoint: string | undefined;
  readonly s3Region: string;
}

export const DATA_API_OPTIONS = Symbol('DATA_API_OPTIONS');

export function dataApiOptions(
  warehouseDatabaseUrl: string,
  overrides: Partial<DataApiOptions> = {},
): DataApiOptions {
  return {
    warehouseDatabaseUrl,
    maxActiveStatements: 200,
    maxConcurrentStatements: 8,
    maxRetainedResults: 32,
    resultTtlMs: 24 * 60 * 60 * 1000,
    finalPageTtlMs: 60 * 1000,
    maxStatementRecords: 10_000,
    pageMaxRecords: 5_000,
    pageMaxBytes: 1024 * 1024,
    maxSqlLength: 100_000,
    maxRowBytes: 64 * 1024,
    maxResultBytes: 100 * 1024 * 1024,
    unloadSlices: 2,
    unloadPartBytes: 32 * 1024 * 1024,
    s3Endpoint: undefined,
    s3Region: 'us-east-1',
    ...overrides,
  };
}
