// A finished statement's rows, kept until they are read. Small results live in memory (at most
// a page of rows); large ones stay in PostgreSQL as a WITH HOLD cursor on a pinned connection,
// so the endpoint's memory is bounded by a page however big the extraction is.
import type { PoolClient } from 'pg';
import { textOnlyTypes } from './warehouse.pool';

export type TextRow = (string | null)[];

export interface StoredResult {
  readonly totalRows: number;
  /** Rows offset+1 .. offset+count (fewer at the end). Re-reading a range returns the same rows. */
  readRows(offset: number, count: number): Promise<TextRow[]>;
  /** Frees the rows and any connection; idempotent. */
  release(): Promise<void>;
}

export class BufferedResult implements StoredResult {
  private rows: TextRow[] | undefined;

  constructor(rows: TextRow[]) {
    this.rows = rows;
  }

  get totalRows(): number {
    return this.rows?.length ?? 0;
  }

  readRows(offset: number, count: number): Promise<TextRow[]> {
    if (this.rows === undefined) return Promise.reject(new Error('result already released'));
    return Promise.resolve(this.rows.slice(offset, offset + count));
  }

  release(): Promise<void> {
    this.rows = undefined;
    return Promise.resolve();
  }
}

export class CursorResult implements StoredResult {
  private client: PoolClient | undefined;
  // MOVE and FETCH on one cursor must not interleave between two page requests.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    client: PoolClient,
    private readonly cursorName: string,
    readonly totalRows: number,
  ) {
    this.client = client;
  }

  readRows(offset: number, count: number): Promise<TextRow[]> {
    const read = this.queue.then(async () => {
      const client = this.client;
      if (client === undefined) throw new Error('result already released');
      await client.query(`MOVE ABSOLUTE ${Math.trunc(offset)} IN ${this.cursorName}`);
      const fetched = await client.query<TextRow>({
        text: `FETCH FORWARD ${Math.trunc(count)} FROM ${this.cursorName}`,
        rowMode: 'array',
        types: textOnlyTypes,
      });
      return fetched.rows;
    });
    this.queue = read.catch(() => undefined);
    return read;
  }

  release(): Promise<void> {
    const released = this.queue.then(async () => {
      const client = this.client;
      if (client === undefined) return;
      this.client = undefined;
      try {
        await client.query(`CLOSE ${this.cursorName}`);
        client.release();
      } catch (error) {
        // A connection in an unknown state is destroyed rather than reused.
        client.release(error instanceof Error ? error : new Error(String(error)));
      }
    });
    this.queue = released.catch(() => undefined);
    return released;
  }
}
