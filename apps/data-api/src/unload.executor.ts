// UNLOAD on the local warehouse, by the rules of Redshift's UNLOAD page: the SELECT's rows go to
// S3 as files named <prefix><slice>_part_<nn> (PARALLEL ON, one series per slice) or <prefix><nnn>
// (PARALLEL OFF), each cut at MAXFILESIZE, then the manifest, <prefix>manifest. The rows come from
// PostgreSQL's own COPY … TO STDOUT (CSV), in the same session settings as every statement here,
// so values print exactly as the Data API's CSV results print them. Memory holds one file part per
// slice; S3 writes hold the COPY stream back.
import { Inject, Injectable } from '@nestjs/common';
import {
  CsvRecordSplitter,
  ParquetFileBuilder,
  type ParquetColumn,
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
import { decodeTypeModifier, redshiftTypeFor } from './redshift-type.mapping';
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

/** Rows a Parquet cursor fetch takes at a time. */
const parquetFetchRows = 5000;
/** Row groups of about this much text: what an extractor holds decoded per part it reads. */
const parquetRowGroupBytes = 8 * 1024 * 1024;

/** The rows of the SELECT are read; the files are written by writeFiles once the scan is committed. */
type WrittenRows =
  | {
      readonly kind: 'finished';
      readonly rows: number;
      readonly writeFiles: () => Promise<UnloadManifestEntry[]>;
    }
  | { readonly kind: 'failed'; readonly message: string };

/** One slice's Parquet file series. */
interface ParquetSlice {
  readonly slice: number;
  readonly builder: ParquetFileBuilder;
  part: number;
}

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
      await client.query('BEGIN');
      const written =
        statement.format === 'parquet'
          ? await this.cursorToParquetFiles(client, request)
          : await this.copyToFiles(client, request);
      if (written.kind !== 'finished') return written;
      return await this.finish(client, request, written);
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

  private async copyToFiles(client: PoolClient, request: UnloadRequest): Promise<WrittenRows> {
    const { statement } = request;
    const options = ['FORMAT csv'];
    if (statement.header) options.push('HEADER true');
    if (statement.nullAs !== undefined) options.push(`NULL ${quoteLiteral(statement.nullAs)}`);
    const query = request.query.trim().replace(/;+\s*$/, '');
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
    return {
      kind: 'finished',
      rows,
      writeFiles: async () => {
        for (const files of slices)
          if (files.bytes > 0) await this.writePart(files, entries, header, statement);
        const first = slices[0];
        // No rows at all: one empty file, so the manifest still lists what was written.
        if (entries.length === 0 && first !== undefined)
          await this.writePart(first, entries, header, statement);
        return entries;
      },
    };
  }

  /**
   * FORMAT PARQUET: the SELECT read through a cursor a few thousand rows at a time, values typed
   * by their column's type (as Redshift types its Parquet columns), blocks of rows spread over the
   * slices, each slice's file cut once its rows reach the part size.
   */
  private async cursorToParquetFiles(client: PoolClient, request: UnloadRequest): Promise<WrittenRows> {
    const { statement } = request;
    const query = request.query.trim().replace(/;+\s*$/, '');
    await client.query(`DECLARE qupersync_unload NO SCROLL CURSOR FOR ${query}`);
    const partBytes = Math.min(statement.maxFileBytes, this.options.unloadPartBytes);
    const rowGroupBytes = Math.min(parquetRowGroupBytes, partBytes);
    const entries: UnloadManifestEntry[] = [];
    let slices: ParquetSlice[] | undefined;
    let rows = 0;
    let turn = 0;
    let sinceTurn = 0;
    for (;;) {
      const page = await client.query<string[]>({
        text: `FETCH FORWARD ${parquetFetchRows} FROM qupersync_unload`,
        rowMode: 'array',
      });
      if (slices === undefined) {
        const typed = parquetColumnsFor(page.fields);
        if (typeof typed === 'string') return { kind: 'failed', message: typed };
        slices = Array.from({ length: statement.parallel ? this.options.unloadSlices : 1 }, (_, slice) => ({
          slice,
          builder: new ParquetFileBuilder(typed, rowGroupBytes),
          part: 0,
        }));
      }
      for (const row of page.rows) {
        const files = slices[turn % slices.length];
        if (files === undefined) break;
        const before = files.builder.bytes;
        try {
          files.builder.push(row);
        } catch (error) {
          return {
            kind: 'failed',
            message: `ERROR: ${error instanceof Error ? error.message : String(error)}`,
          };
        }
        rows++;
        sinceTurn += files.builder.bytes - before;
        if (files.builder.bytes >= partBytes) await this.writeParquetPart(files, entries, statement);
        // Blocks of rows go to the slices in turn, as rows spread over a cluster's slices.
        if (sinceTurn >= Math.min(blockBytes, Math.ceil(partBytes / 4))) {
          turn++;
          sinceTurn = 0;
        }
      }
      if (page.rows.length < parquetFetchRows) break;
    }
    await client.query('CLOSE qupersync_unload');
    const written = slices ?? [];
    return {
      kind: 'finished',
      rows,
      writeFiles: async () => {
        for (const files of written)
          if (files.builder.rows > 0) await this.writeParquetPart(files, entries, statement);
        const first = written[0];
        if (entries.length === 0 && first !== undefined)
          await this.writeParquetPart(first, entries, statement);
        return entries;
      },
    };
  }

  /** Scan counters, COMMIT, stl_scan; then the files (unless cancelled meanwhile) and the manifest. */
  private async finish(
    client: PoolClient,
    request: UnloadRequest,
    written: Extract<WrittenRows, { kind: 'finished' }>,
  ): Promise<UnloadOutcome> {
    const { statement } = request;
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
    // Cancelled after the SELECT had ended: the caller was told it is cancelled, so it is.
    if (request.isCancelRequested()) return { kind: 'aborted', message: 'Query cancelled' };
    const entries = await written.writeFiles();
    if (statement.manifest !== 'none')
      await this.objects.put(
        { bucket: statement.to.bucket, key: `${statement.to.key}manifest` },
        formatUnloadManifest(entries, statement.manifest === 'verbose'),
      );
    return { kind: 'finished', rows: written.rows, files: entries.length };
  }

  private async writeParquetPart(
    files: ParquetSlice,
    entries: UnloadManifestEntry[],
    statement: UnloadStatement,
  ): Promise<void> {
    const records = files.builder.rows;
    const body = files.builder.finish();
    // Redshift names Parquet files with the .parquet extension unless EXTENSION says otherwise.
    const location = this.partLocation(statement, files.slice, files.part, statement.extension ?? 'parquet');
    await this.objects.put(location, body);
    entries.push({ url: formatS3Uri(location), contentLength: body.length, recordCount: records });
    files.part += 1;
  }

  private partLocation(
    statement: UnloadStatement,
    slice: number,
    part: number,
    extension: string | undefined,
  ): S3Location {
    const name = statement.parallel
      ? `${String(slice).padStart(4, '0')}_part_${String(part).padStart(2, '0')}`
      : String(part).padStart(3, '0');
    const suffix = extension === undefined ? '' : `.${extension.replace(/^\./, '')}`;
    return { bucket: statement.to.bucket, key: `${statement.to.key}${name}${suffix}` };
  }

  private async writePart(
    files: SliceFiles,
    entries: UnloadManifestEntry[],
    header: Buffer | undefined,
    statement: UnloadStatement,
  ): Promise<void> {
    const location = this.partLocation(statement, files.slice, files.part, statement.extension);
    const body = Buffer.concat(header === undefined ? files.chunks : [header, ...files.chunks]);
    await this.objects.put(location, body);
    entries.push({ url: formatS3Uri(location), contentLength: body.length, recordCount: files.records });
    files.chunks = [];
    files.bytes = 0;
    files.records = 0;
    files.part += 1;
  }
}

/**
 * The Parquet type of each column of the SELECT, as Redshift types UNLOAD's Parquet columns, or
 * the error Redshift gives for a column Parquet cannot hold.
 */
export function parquetColumnsFor(
  fields: readonly {
    readonly name: string;
    readonly dataTypeID: number;
    readonly dataTypeModifier: number;
  }[],
): ParquetColumn[] | string {
  const columns: ParquetColumn[] = [];
  for (const field of fields) {
    const type = redshiftTypeFor(field.dataTypeID, undefined);
    const refuse = (why: string): string =>
      `ERROR: UNLOAD to PARQUET cannot write column "${field.name}" (${type.typeName}): ${why}`;
    switch (type.typeName) {
      case 'int2':
      case 'int4':
        columns.push({ name: field.name, type: { kind: 'int32' } });
        break;
      case 'int8':
        columns.push({ name: field.name, type: { kind: 'int64' } });
        break;
      case 'numeric': {
        if (field.dataTypeModifier < 0)
          return refuse('a NUMERIC without precision and scale; CAST it to DECIMAL(p,s)');
        const { precision, scale } = decodeTypeModifier(type, field.dataTypeModifier);
        columns.push({ name: field.name, type: { kind: 'decimal', precision, scale } });
        break;
      }
      case 'float4':
        columns.push({ name: field.name, type: { kind: 'float' } });
        break;
      case 'float8':
        columns.push({ name: field.name, type: { kind: 'double' } });
        break;
      case 'bool':
        columns.push({ name: field.name, type: { kind: 'boolean' } });
        break;
      case 'date':
        columns.push({ name: field.name, type: { kind: 'date' } });
        break;
      case 'timestamp':
        columns.push({ name: field.name, type: { kind: 'timestamp', utc: false } });
        break;
      case 'timestamptz':
        // Parquet keeps the instant (UTC) and drops the zone, as Redshift's UNLOAD does.
        columns.push({ name: field.name, type: { kind: 'timestamp', utc: true } });
        break;
      case 'time':
        columns.push({ name: field.name, type: { kind: 'time' } });
        break;
      case 'super':
        columns.push({ name: field.name, type: { kind: 'json' } });
        break;
      case 'timetz':
      case 'varbyte':
        return refuse('the type is supported only by text and CSV unloads');
      default:
        columns.push({ name: field.name, type: { kind: 'string' } });
    }
  }
  return columns;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
