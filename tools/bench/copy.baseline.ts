// The yardstick of DESIGN.md section 9: a raw `COPY ... TO STDOUT` from the warehouse piped
// straight into `COPY ... FROM STDIN` in the target, two connections, no parsing in between.
// Whatever the pipeline does on top of moving bytes shows up as the distance from this figure.
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { benchTable, createTableSql } from './bench.table';

export const baselineTable = 'public.bench_baseline';

export interface CopyTiming {
  seconds: number;
  rows: number;
}

export async function measureCopyPipe(warehouseUrl: string, targetUrl: string): Promise<CopyTiming> {
  const source = new Client({ connectionString: warehouseUrl, application_name: 'qupersync-bench-copy-out' });
  const target = new Client({ connectionString: targetUrl, application_name: 'qupersync-bench-copy-in' });
  await Promise.all([source.connect(), target.connect()]);
  try {
    await target.query(createTableSql(baselineTable));
    // Dirty buffers of the table build would otherwise be flushed on this measurement's clock.
    await Promise.all([source.query('CHECKPOINT'), target.query('CHECKPOINT')]);
    const started = process.hrtime.bigint();
    await pipeline(
      source.query(copyTo(`COPY (SELECT * FROM ${benchTable}) TO STDOUT`)),
      target.query(copyFrom(`COPY ${baselineTable} FROM STDIN`)),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const counted = await target.query<{ rows: string }>(
      `SELECT count(*)::text AS rows FROM ${baselineTable}`,
    );
    return { seconds, rows: Number(counted.rows[0]?.rows ?? 0) };
  } finally {
    // The copy is only a yardstick: drop it so the target holds one copy of the data at a time.
    await target.query(`DROP TABLE IF EXISTS ${baselineTable}`).catch(() => undefined);
    await Promise.all([source.end(), target.end()]);
  }
}
