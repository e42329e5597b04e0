// UNLOAD on the local warehouse, by the rules of Redshift's UNLOAD page: the SELECT's rows go to
// S3 as files named <prefix><slice>_part_<nn> (PARALLEL ON, one series per slice) or <prefix><nnn>
// (PARALLEL OFF), each cut at MAXFILESIZE, then the manifest, <prefix>manifest. The rows come from
// PostgreSQL's own COPY … TO STDOUT (CSV), in the same session settings as every statement here,
// so values print exactly as the Data API's CSV results print them. Memory holds one file part per
// slice; S3 writes hold the COPY stream back.
import { Inject, Injectable } from '@nestjs/common';
import {
  CsvRecordSplitter,
  cutIntoBlocks,
  formatS3Uri,
  formatUnloadManifest,
  ObjectStore,
  type S3Location,
  type UnloadManifestEntry,
} from '@qupersync/object-store';
import type { PoolClient } from 'pg';
import { DatabaseError } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { DATA_API_OPTIONS, type DataApiOptions } from './data-api.options';
import type { UnloadStatement } from '@qupersync/redshift';
import { backendProcessId, scanCounts, type TableScan } from './statement.executor';
import { pendingScanCountsSql } from './system-catalog.sql';
import { textOnlyTypes, WarehousePool } from './warehouse.pool';

export interface UnloadRequest {
  readonly statement: UnloadStatement;
  /** The statement's RedshiftQueryId: its scans go to stl_scan under it, as Redshift logs UNLOAD's. */
  readonly queryId: number;
  /** The SELECT as the warehouse runs it (identifiers folded, COLLATE translated). */
  readonly query: string;
  readonly onStarted: (processId: number) => boolean;
  readonly isCancelRequested: () => boolean;
}

export type UnloadOutcome =
  | { readonly kind: 'finished'; readonly rows: number; readonly files: number }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'aborted'; readonly message: string };

/** Rows go to the slices in blocks of about this size (or a quarter of a file part, if smaller). */
const blockBytes = 256 * 1024;

/** One slice's file series: the part being filled and the parts written. */
interface SliceFiles {
  readonly slice: number;
  chunks: Buffer[];
  bytes: number;
  records: number;
  part: number;
}

@Injectable()
export class UnloadExecutor {
  constructor(
    @Inject(DATA_API_OPTIONS) private readonly options: DataApiOptions,
    private readonly warehouse: WarehousePool,
    private readonly objects: ObjectStore,
  ) {}

  async execute(request: UnloadRequest): Promise<UnloadOutcome> {
    const { statement } = request;
    if (statement.format === 'parquet')
      return {
        kind: 'failed',
        message: 'UNLOAD FORMAT PARQUET is not implemented by the local endpoint yet',
      };
    let client: PoolClient | undefined;
    try {
      const existing = await this.objects.list(statement.to);
      if (existing.length > 0) {
        if (statement.cleanPath) await this.objects.deletePrefix(statement.to);
        else if (!statement.allowOverwrite)
          return {
            kind: 'failed',
            message:
              'Specified unload destination on S3 is not empty. Consider using a different bucket / prefix, ' +
              'manually removing the target files in S3, or using the ALLOWOVERWRITE option.',
          };
      }
      client = await this.warehouse.connect();
      if (!request.onStarted(backendProcessId(client)))
        return { kind: 'aborted', message: 'Query cancelled' };
      const written = await this.copyToFiles(client, request);
      return written;
    } catch (error) {
      if (request.isCancelRequested()) return { kind: 'aborted', message: 'Query cancelled' };
      const message =
        error instanceof DatabaseError
          ? `ERROR: ${error.message}`
          : error instanceof Error
            ? error.message
            : String(error);
      return { kind: 'failed', message };
    } finally {
      // A failure or cancel inside the COPY's transaction must not go back to the pool with it.
      await client?.query('ROLLBACK').catch(() => undefined);
      client?.release();
    }
  }

  private async copyToFiles(client: PoolClient, request: UnloadRequest): Promise<UnloadOutcome> {
    const { statement } = request;
    const options = ['FORMAT csv'];
    if (statement.header) options.push('HEADER true');
    if (statement.nullAs !== undefined) options.push(`NULL ${quoteLiteral(statement.nullAs)}`);
    const query = request.query.trim().replace(/;+\s*$/, '');
    // In a transaction, so the scan counters read before COMMIT hold exactly this COPY's scans.
    await client.query('BEGIN');
    const stream = client.query(copyTo(`COPY (${query}) TO STDOUT WITH (${options.join(', ')})`));
    const slices: SliceFiles[] = Array.from(
      { length: statement.parallel ? this.options.unloadSlices : 1 },
      (_, slice) => ({
        slice,
        chunks: [],
        bytes: 0,
        records: 0,
        part: 0,
      }),
    );
    const entries: UnloadManifestEntry[] = [];
    const partBytes = Math.min(statement.maxFileBytes, this.options.unloadPartBytes);
    const splitter = new CsvRecordSplitter();
    let header: Buffer | undefined;
    let rows = 0;
    let turn = 0;
    const take = async (records: Buffer, count: number): Promise<void> => {
      if (count === 0) return;
      let body = records;
      if (statement.header && header === undefined) {
        const end = records.indexOf(0x0a) + 1;
        header = records.subarray(0, end);
        body = records.subarray(end);
        if (count === 1) return;
      }
      // Blocks of rows go to the slices in turn, as rows spread over a cluster's slices.
      for (const block of cutIntoBlocks(body, Math.min(blockBytes, Math.ceil(partBytes / 4)))) {
        const files = slices[turn % slices.length];
        turn++;
        if (files === undefined) return;
        if (files.bytes > 0 && files.bytes + block.bytes.length > partBytes)
          await this.writePart(files, entries, header, statement);
        files.chunks.push(Buffer.from(block.bytes));
        files.bytes += block.bytes.length;
        files.records += block.count;
        rows += block.count;
      }
    };
    // A cancel reaches the COPY through its backend (CancelStatement), which ends this stream
    // with an error; the connection stays in step with the server for the ROLLBACK after it.
    for await (const chunk of stream) {
      const records = splitter.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
      await take(records.bytes, records.count);
    }
    const rest = splitter.end();
    await take(rest.bytes, rest.count);
    const counted = await client.query({
      text: pendingScanCountsSql,
      rowMode: 'array',
      types: textOnlyTypes,
    });
    await client.query('COMMIT');
    const scans: TableScan[] = [...scanCounts(counted)].map(([tableId, count]) => ({
      tableId,
      tableName: count.name,
      rowsPreFilter: count.rows,
    }));
    await this.warehouse.recordScans(request.queryId, scans);
    // Cancelled after the COPY had ended: the caller was told it is cancelled, so it is.
    if (request.isCancelRequested()) return { kind: 'aborted', message: 'Query cancelled' };
    for (const files of slices) if (files.bytes > 0) await this.writePart(files, entries, header, statement);
    const first = slices[0];
    // No rows at all: one empty file, so the manifest still lists what was written.
    if (entries.length === 0 && first !== undefined) await this.writePart(first, entries, header, statement);
    if (statement.manifest !== 'none')
      await this.objects.put(
        { bucket: statement.to.bucket, key: `${statement.to.key}manifest` },
        formatUnloadManifest(entries, statement.manifest === 'verbose'),
      );
    return { kind: 'finished', rows, files: entries.length };
  }

  private async writePart(
    files: SliceFiles,
    entries: UnloadManifestEntry[],
    header: Buffer | undefined,
    statement: UnloadStatement,
  ): Promise<void> {
    const name = statement.parallel
      ? `${String(files.slice).padStart(4, '0')}_part_${String(files.part).padStart(2, '0')}`
      : String(files.part).padStart(3, '0');
    const extension = statement.extension === undefined ? '' : `.${statement.extension.replace(/^\./, '')}`;
    const location: S3Location = {
      bucket: statement.to.bucket,
      key: `${statement.to.key}${name}${extension}`,
    };
    const body = Buffer.concat(header === undefined ? files.chunks : [header, ...files.chunks]);
    await this.objects.put(location, body);
    entries.push({ url: formatS3Uri(location), contentLength: body.length, recordCount: files.records });
    files.chunks = [];
    files.bytes = 0;
    files.records = 0;
    files.part += 1;
  }
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
