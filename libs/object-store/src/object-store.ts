// The one door to S3 (or an S3-compatible server): UNLOAD's files and manifests are read, written
// by the local endpoint, and deleted through here. Failures come back as OBJECT_STORE_FAILED,
// transient unless S3 says the request itself is wrong (a missing object, access denied).
import type { Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { QuperSyncError } from '@qupersync/contracts';
import type { S3Location } from './s3-location';
import { formatS3Uri } from './s3-location';

export interface ObjectStoreOptions {
  /** An S3-compatible server's URL (the local stack's); absent = AWS S3 itself. */
  readonly endpoint: string | undefined;
  readonly region: string;
}

export const OBJECT_STORE_OPTIONS = Symbol('OBJECT_STORE_OPTIONS');

export interface StoredObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date | undefined;
}

@Injectable()
export class ObjectStore implements OnApplicationShutdown {
  private readonly client: S3Client;

  constructor(@Inject(OBJECT_STORE_OPTIONS) options: ObjectStoreOptions) {
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint, forcePathStyle: true }),
    });
  }

  async put(location: S3Location, body: Buffer | string): Promise<void> {
    await this.call('write', location, () =>
      this.client.send(new PutObjectCommand({ Bucket: location.bucket, Key: location.key, Body: body })),
    );
  }

  /** The object's bytes as a stream; the caller reads it to the end or destroys it. */
  async read(location: S3Location): Promise<Readable> {
    const response = await this.call('read', location, () =>
      this.client.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key })),
    );
    const body: unknown = response.Body;
    if (!isReadable(body))
      throw new QuperSyncError('OBJECT_STORE_FAILED', 'transient', `${formatS3Uri(location)}: no body`);
    return body;
  }

  /** The object's size in bytes. */
  async size(location: S3Location): Promise<number> {
    const head = await this.call('head', location, () =>
      this.client.send(new HeadObjectCommand({ Bucket: location.bucket, Key: location.key })),
    );
    if (head.ContentLength === undefined)
      throw new QuperSyncError('OBJECT_STORE_FAILED', 'transient', `${formatS3Uri(location)}: no length`);
    return head.ContentLength;
  }

  /** Bytes [start, end) of the object (a ranged GET), e.g. one Parquet row group's columns. */
  async readRange(location: S3Location, start: number, end: number): Promise<Buffer> {
    if (end <= start) return Buffer.alloc(0);
    const response = await this.call('read', location, () =>
      this.client.send(
        new GetObjectCommand({
          Bucket: location.bucket,
          Key: location.key,
          Range: `bytes=${start}-${end - 1}`,
        }),
      ),
    );
    const body: unknown = response.Body;
    if (!isReadable(body))
      throw new QuperSyncError('OBJECT_STORE_FAILED', 'transient', `${formatS3Uri(location)}: no body`);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(toBuffer(chunk));
    const bytes = Buffer.concat(chunks);
    if (bytes.length !== end - start)
      throw new QuperSyncError(
        'OBJECT_STORE_FAILED',
        'transient',
        `${formatS3Uri(location)}: asked for bytes ${start}-${end - 1}, got ${bytes.length} bytes`,
      );
    return bytes;
  }

  async readText(location: S3Location): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.read(location)) chunks.push(toBuffer(chunk));
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Every object whose key starts with the location's key. */
  async list(prefix: S3Location): Promise<StoredObject[]> {
    const objects: StoredObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.call('list', prefix, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: prefix.bucket,
            Prefix: prefix.key,
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
        ),
      );
      for (const object of page.Contents ?? [])
        if (object.Key !== undefined)
          objects.push({ key: object.Key, size: object.Size ?? 0, lastModified: object.LastModified });
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return objects;
  }

  /** Deletes every object under the prefix; returns how many there were. */
  async deletePrefix(prefix: S3Location): Promise<number> {
    const keys = (await this.list(prefix)).map((object) => object.key);
    for (let start = 0; start < keys.length; start += 1000) {
      const slice = keys.slice(start, start + 1000);
      const result = await this.call('delete', prefix, () =>
        this.client.send(
          new DeleteObjectsCommand({
            Bucket: prefix.bucket,
            Delete: { Objects: slice.map((key) => ({ Key: key })), Quiet: true },
          }),
        ),
      );
      const failed = result.Errors ?? [];
      if (failed.length > 0)
        throw new QuperSyncError(
          'OBJECT_STORE_FAILED',
          'transient',
          `could not delete ${failed.length} object(s) under ${formatS3Uri(prefix)}: ${failed[0]?.Code ?? ''} ${failed[0]?.Message ?? ''}`,
        );
    }
    return keys.length;
  }

  onApplicationShutdown(): void {
    this.client.destroy();
  }

  private async call<Output>(
    what: string,
    location: S3Location,
    send: () => Promise<Output>,
  ): Promise<Output> {
    try {
      return await send();
    } catch (error) {
      const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
      // 4xx other than throttling and timeouts: the request will not succeed by being repeated.
      const permanent = status !== undefined && status >= 400 && status < 500 && ![408, 429].includes(status);
      const name = error instanceof Error ? error.name : 'Error';
      const message = error instanceof Error ? error.message : String(error);
      throw new QuperSyncError(
        'OBJECT_STORE_FAILED',
        permanent ? 'permanent' : 'transient',
        `S3 ${what} of ${formatS3Uri(location)} failed: ${name}${status === undefined ? '' : ` (HTTP ${status})`}: ${message}`,
        { cause: error },
      );
    }
  }
}

function isReadable(value: unknown): value is Readable {
  return (
    typeof value === 'object' &&
    value !== null &&
    Symbol.asyncIterator in value &&
    typeof Reflect.get(value, 'destroy') === 'function'
  );
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk);
  return Buffer.from(String(chunk));
}
