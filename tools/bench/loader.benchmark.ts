// The loader alone against a plain COPY (DESIGN.md section 9: at least 0.8 of it). Both get the
// same exact rows, read from the warehouse through a cursor a chunk at a time so memory stays
// bounded whatever the table size. Per chunk, only the writes are on the clock: (a) one plain
// COPY on one connection, (b) the loader's BatchUpserter on Avro batch messages of benchBatchSize
// rows (encoded off the clock, read and loaded on it, as the loader gets them from the topic) with
// two batches in flight, as the loader consumes two partitions at once. The order alternates per
// chunk so neither side always pays for the other's checkpoint or cache misses. Then (c) every row
// once more with a changed value, which no COPY can do: the upsert path proper, reported on its own.
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { BatchContainerCodec, EncodedBatch, type BatchRow } from '@qupersync/contracts';
import { PostgresDatabase } from '@qupersync/postgres';
import { BatchUpserter } from '../../apps/loader/src';
import { toBatchRow, toCopyPayload, type TextRow } from './bench-row.converter';
import { benchBatchSize, benchSchema, benchTable, createTableSql, fingerprintSql } from './bench.table';

export const plainCopyTable = 'public.bench_plain_copy';
const loaderTarget = { schema: 'public', name: 'bench_loader_upsert' };
export const loaderTable = `${loaderTarget.schema}.${loaderTarget.name}`;
/** The loader's partitionsConsumedConcurrently (apps/loader/src/main.ts). */
export const loaderConcurrency = 2;
const chunkRows = 250_000;

export interface LoaderTiming {
  copySeconds: number;
  /** The upserter into the empty table (new keys: its direct-COPY path). */
  upsertSeconds: number;
  /** The upserter again over the loaded rows with one column changed (its staging upsert path). */
  updateSeconds: number;
  rows: number;
}

const rawText = (value: string): string => value;
/** Every column as PostgreSQL's text output: the converter, not pg, decides what a value is. */
const textTypes = { getTypeParser: () => rawText };

export async function measureLoader(
  warehouseUrl: string,
  targetUrl: string,
  log: (line: string) => void,
): Promise<LoaderTiming> {
  const source = new Client({
    connectionString: warehouseUrl,
    application_name: 'qupersync-bench-reader',
    types: textTypes,
  });
  const copier = new Client({ connectionString: targetUrl, application_name: 'qupersync-bench-copy' });
  const database = new PostgresDatabase({
    connectionString: targetUrl,
    poolSize: loaderConcurrency,
    applicationName: 'qupersync-bench-loader',
  });
  const upserter = new BatchUpserter(database);
  await Promise.all([source.connect(), copier.connect()]);
  const timing: LoaderTiming = { copySeconds: 0, upsertSeconds: 0, updateSeconds: 0, rows: 0 };
  try {
    // Both tables exist before the clock starts, so the loader's CREATE TABLE IF NOT EXISTS is a no-op.
    await copier.query(`${createTableSql(plainCopyTable)}; ${createTableSql(loaderTable)}`);
    await copier.query('CHECKPOINT');
    const columns = benchSchema.columns.map((column) => column.name);
    await source.query('BEGIN');
    await source.query(
      `DECLARE bench_rows_cursor NO SCROLL CURSOR FOR SELECT ${columns.join(', ')} FROM ${benchTable} ORDER BY id`,
    );
    for (let chunk = 0; ; chunk += 1) {
      const fetched = await source.query<TextRow>(`FETCH FORWARD ${chunkRows} FROM bench_rows_cursor`);
      if (fetched.rows.length === 0) break;
      const rows = fetched.rows.map((row) => toBatchRow(benchSchema.columns, row));
      const payload = toCopyPayload(benchSchema.columns, rows);
      const copy = (): Promise<number> => timed(() => copyPayload(copier, columns, payload));
      const messages = encodeBatches(rows);
      const upsert = (): Promise<number> => timed(() => upsertConcurrently(upserter, messages));
      if (chunk % 2 === 0) {
        timing.copySeconds += await copy();
        timing.upsertSeconds += await upsert();
      } else {
        timing.upsertSeconds += await upsert();
        timing.copySeconds += await copy();
      }
      timing.rows += rows.length;
      log(
        `  loader vs COPY: ${timing.rows} rows, COPY ${timing.copySeconds.toFixed(2)} s, upsert ${timing.upsertSeconds.toFixed(2)} s`,
      );
    }
    await source.query('COMMIT');
    await verifyLoadedTables(source, copier, timing.rows);
    timing.updateSeconds = await measureUpdates(source, upserter, columns, log);
    return timing;
  } finally {
    await copier.query(`DROP TABLE IF EXISTS ${plainCopyTable}, ${loaderTable}`).catch(() => undefined);
    await Promise.all([source.end(), copier.end(), database.onModuleDestroy()]);
  }
}

/**
 * Every row again with its quantity changed: the keys exist now, so each batch takes the staging
 * upsert (COPY into the connection's temp table, INSERT ... ON CONFLICT DO UPDATE WHERE changed).
 */
async function measureUpdates(
  source: Client,
  upserter: BatchUpserter,
  columns: readonly string[],
  log: (line: string) => void,
): Promise<number> {
  let seconds = 0;
  let rows = 0;
  await source.query('BEGIN');
  try {
    await source.query(
      `DECLARE bench_update_cursor NO SCROLL CURSOR FOR SELECT ${columns.join(', ')} FROM ${benchTable} ORDER BY id`,
    );
    for (;;) {
      const fetched = await source.query<TextRow>(`FETCH FORWARD ${chunkRows} FROM bench_update_cursor`);
      if (fetched.rows.length === 0) break;
      const changed = fetched.rows.map((row) => {
        const batchRow = toBatchRow(benchSchema.columns, row);
        return { ...batchRow, quantity: typeof batchRow.quantity === 'number' ? batchRow.quantity + 1 : 1 };
      });
      const messages = encodeBatches(changed);
      seconds += await timed(() => upsertConcurrently(upserter, messages));
      rows += changed.length;
      log(`  loader updates: ${rows} rows, ${seconds.toFixed(2)} s`);
    }
  } finally {
    await source.query('COMMIT');
  }
  return seconds;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function copyPayload(client: Client, columns: readonly string[], payload: Buffer): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const stream = client.query(copyFrom(`COPY ${plainCopyTable} (${columns.join(', ')}) FROM STDIN`));
    stream.on('error', reject);
    stream.on('finish', () => resolve());
    stream.end(payload);
  });
}

/** The rows as the loader receives them: Avro batch messages of benchBatchSize rows (encoded off the clock). */
function encodeBatches(rows: readonly BatchRow[]): Buffer[] {
  const codec = new BatchContainerCodec(benchSchema);
  const batches: Buffer[] = [];
  for (let start = 0; start < rows.length; start += benchBatchSize)
    batches.push(Buffer.from(codec.encode(rows.slice(start, start + benchBatchSize))));
  return batches;
}

/** What the loader does per batch message: read it (COPY text straight from its Avro) and upsert it. */
async function upsertConcurrently(upserter: BatchUpserter, messages: readonly Buffer[]): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const message = messages[next++];
      if (message === undefined) return;
      const batch = EncodedBatch.from(message);
      const outcome = await upserter.upsert(loaderTarget, batch.schema, batch);
      // A rejected row would make the comparison meaningless: stop rather than report a figure.
      if (outcome.rejected.length > 0 || outcome.rowsWritten !== batch.rowCount)
        throw new Error(
          `the loader wrote ${outcome.rowsWritten} of ${batch.rowCount} rows (${outcome.rejected.length} rejected: ` +
            `${outcome.rejected[0]?.reason ?? '-'})`,
        );
    }
  };
  await Promise.all(Array.from({ length: loaderConcurrency }, () => worker()));
}

/** Both tables must hold the warehouse rows exactly, or the rows given to them were not the pipeline's. */
async function verifyLoadedTables(source: Client, target: Client, rows: number): Promise<void> {
  const [expected, copied, upserted] = await Promise.all([
    source.query<{ rows: string; digest: string }>(fingerprintSql(benchTable)),
    target.query<{ rows: string; digest: string }>(fingerprintSql(plainCopyTable)),
    target.query<{ rows: string; digest: string }>(fingerprintSql(loaderTable)),
  ]);
  const want = expected.rows[0];
  for (const [table, result] of [
    [plainCopyTable, copied],
    [loaderTable, upserted],
  ] as const) {
    const got = result.rows[0];
    if (got === undefined || want === undefined || got.rows !== want.rows || got.digest !== want.digest)
      throw new Error(
        `${table} differs from ${benchTable}: ${got?.rows ?? '?'} rows md5 ${got?.digest ?? '?'}, ` +
          `source ${want?.rows ?? '?'} rows md5 ${want?.digest ?? '?'} (${rows} rows were sent)`,
      );
  }
}
