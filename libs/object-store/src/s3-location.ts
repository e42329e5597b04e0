// An S3 location as UNLOAD and the jobs file write it: s3://bucket/key-prefix. Parsed once, so a
// bad URI fails where it is configured instead of in the middle of a run.
import { QuperSyncError } from '@qupersync/contracts';

export interface S3Location {
  readonly bucket: string;
  /** The key (or key prefix), without a leading slash; may be empty. */
  readonly key: string;
}

/** Bucket names as S3 allows them (3–63 lower-case letters, digits, dots, hyphens). */
const bucketPattern = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** The location, or undefined when `uri` is not an s3:// URI with a valid bucket name. */
export function tryParseS3Uri(uri: string): S3Location | undefined {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(uri);
  const bucket = match?.[1];
  if (match === null || bucket === undefined || !bucketPattern.test(bucket)) return undefined;
  return { bucket, key: match[2] ?? '' };
}

export function parseS3Uri(uri: string): S3Location {
  const location = tryParseS3Uri(uri);
  if (location === undefined)
    throw new QuperSyncError(
      'MESSAGE_INVALID',
      'permanent',
      `"${uri}" is not an S3 URI like s3://bucket/prefix/ (lower-case bucket name, 3-63 characters)`,
    );
  return location;
}

export function formatS3Uri(location: S3Location): string {
  return `s3://${location.bucket}/${location.key}`;
}

/** `prefix` joined with more path segments, with exactly one '/' between each. */
export function joinS3Key(prefix: string, ...segments: readonly string[]): string {
  return [prefix.replace(/\/+$/, ''), ...segments.map((segment) => segment.replace(/^\/+|\/+$/g, ''))]
    .filter((part) => part !== '')
    .join('/');
}
