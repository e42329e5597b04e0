// Reads back what an extraction's UNLOAD wrote: the manifest first, then each file it lists. A CSV
// file is read as a stream cut into whole records and parsed a chunk at a time; a Parquet file a
// row group at a time through ranged reads. Either way memory holds one chunk or row group and a
// page, whatever the file size. Every file's record count (MANIFEST VERBOSE) is checked against
// the records read: a short or truncated file fails the extraction instead of losing rows.
import { Injectable } from '@nestjs/common';
import { QuperSyncError } from '@qupersync/contracts';
import {
  CsvRecordSplitter,
  ObjectStore,
  objectAsyncBuffer,
  ParquetFileError,
  readParquetRows,
  parseUnloadManifest,
  type S3Location,
  type StoredObject,
  tryParseS3Uri,
  type UnloadManifest,
  UnloadManifestError,
} from '@qupersync/object-store';
import { CsvRecordsError, parseCsvRecords, type SourceRecord } from '@qupersync/redshift';

export interface UnloadFilesFormat {
  readonly format: 'csv' | 'parquet';
  /** Parquet: per column, whether its timestamps print as TIMESTAMPTZ. */
  readonly zoned: readonly boolean[];
}

@Injectable()
export class UnloadFilesReader {
  constructor(private readonly objects: ObjectStore) {}

  async manifest(prefix: S3Location): Promise<UnloadManifest> {
    const text = await this.objects.readText({ bucket: prefix.bucket, key: `${prefix.key}manifest` });
    try {
      return parseUnloadManifest(text);
    } catch (error) {
      if (error instanceof UnloadManifestError)
        throw new QuperSyncError('SOURCE_STATEMENT_FAILED', 'permanent', error.message);
      throw error;
    }
  }

  /** The records of every file in the manifest, a page (one chunk or row group) at a time. */
  async *records(
    manifest: UnloadManifest,
    columns: number,
    signal: AbortSignal | undefined,
    files: UnloadFilesFormat = { format: 'csv', zoned: [] },
  ): AsyncGenerator<SourceRecord[]> {
    for (const entry of manifest.entries) {
      const location = tryParseS3Uri(entry.url);
      if (location === undefined)
        throw new QuperSyncError(
          'SOURCE_STATEMENT_FAILED',
          'permanent',
          `the UNLOAD manifest lists "${entry.url}"`,
        );
      if (files.format === 'parquet') {
        yield* this.parquetRecords(entry, location, columns, files.zoned, signal);
        continue;
      }
      const stream = await this.objects.read(location);
      const splitter = new CsvRecordSplitter();
      let records = 0;
      const parse = (bytes: Buffer): string[][] => {
        try {
          return parseCsvRecords(bytes.toString('utf8'), columns);
        } catch (error) {
          if (error instanceof CsvRecordsError)
            throw new QuperSyncError(
              'SOURCE_STATEMENT_FAILED',
              'permanent',
              `${entry.url}: ${error.message}`,
            );
          throw error;
        }
      };
      try {
        for await (const chunk of stream) {
          signal?.throwIfAborted();
          const whole = splitter.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
          if (whole.count === 0) continue;
          const page = parse(whole.bytes);
          records += page.length;
          yield page;
        }
        const rest = splitter.end();
        if (rest.count > 0) {
          const page = parse(rest.bytes);
          records += page.length;
          yield page;
        }
      } finally {
        stream.destroy();
      }
      if (entry.recordCount !== undefined && entry.recordCount !== records)
        throw new QuperSyncError(
          'SOURCE_STATEMENT_FAILED',
          'transient',
          `${entry.url} holds ${records} records where the UNLOAD manifest says ${entry.recordCount}`,
        );
    }
  }

  private async *parquetRecords(
    entry: UnloadManifest['entries'][number],
    location: S3Location,
    columns: number,
    zoned: readonly boolean[],
    signal: AbortSignal | undefined,
  ): AsyncGenerator<SourceRecord[]> {
    let records = 0;
    try {
      const file = await objectAsyncBuffer(this.objects, location);
      for await (const page of readParquetRows(file, { columns, zoned, signal })) {
        records += page.length;
        yield page;
      }
    } catch (error) {
      if (error instanceof ParquetFileError || error instanceof RangeError)
        throw new QuperSyncError('SOURCE_STATEMENT_FAILED', 'permanent', `${entry.url}: ${error.message}`);
      throw error;
    }
    if (entry.recordCount !== undefined && entry.recordCount !== records)
      throw new QuperSyncError(
        'SOURCE_STATEMENT_FAILED',
        'transient',
        `${entry.url} holds ${records} records where the UNLOAD manifest says ${entry.recordCount}`,
      );
  }

  list(prefix: S3Location): Promise<StoredObject[]> {
    return this.objects.list(prefix);
  }

  /** Deletes an attempt's files and manifest; returns how many objects there were. */
  delete(prefix: S3Location): Promise<number> {
    return this.objects.deletePrefix(prefix);
  }
}
