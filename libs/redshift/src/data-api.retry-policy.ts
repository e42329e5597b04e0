// Which Data API failures are worth another attempt, and how long to wait before it. Kept pure
// (no clock, no randomness of its own) so the decisions are unit-tested exactly.
import { RedshiftDataServiceException } from '@aws-sdk/client-redshift-data';

export type DataApiFailure =
  /** The service asked us to slow down (throttled, too many active statements). */
  | { readonly kind: 'throttled'; readonly message: string }
  /** The service or the network failed; the same request may well succeed later. */
  | { readonly kind: 'unavailable'; readonly message: string }
  /** The request itself is wrong or refers to something gone; repeating it cannot help. */
  | { readonly kind: 'rejected'; readonly message: string };

const throttlingNames = new Set([
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ActiveStatementsExceededException',
  'ActiveSessionsExceededException',
  'ActiveWaitingRequestsExceededException',
]);

const unavailableNames = new Set([
  'InternalServerException',
  // The cluster could not be reached, or a statement hit an environmental error: the service
  // says so with server faults, and the same request may well succeed later.
  'DatabaseConnectionException',
  'ExecuteStatementException',
  // A client fault by its HTTP status, but an operation that ran out of time, not a bad
  // request: worth the same bounded retries.
  'QueryTimeoutException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
]);

function stringProperty(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null || !(key in value)) return undefined;
  const property: unknown = Reflect.get(value, key);
  return typeof property === 'string' ? property : undefined;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message === '' ? error.name : error.message;
  return String(error);
}

export function classifyDataApiFailure(error: unknown): DataApiFailure {
  const message = messageOf(error);
  const name = error instanceof Error ? error.name : undefined;
  if (name !== undefined && throttlingNames.has(name)) return { kind: 'throttled', message };
  if (name !== undefined && unavailableNames.has(name)) return { kind: 'unavailable', message };
  if (error instanceof RedshiftDataServiceException) {
    const status = error.$metadata.httpStatusCode;
    if (status === 429) return { kind: 'throttled', message };
    if (
      unavailableNames.has(error.name) ||
      error.$fault === 'server' ||
      (status !== undefined && status >= 500)
    ) {
      return { kind: 'unavailable', message };
    }
    return { kind: 'rejected', message };
  }
  if (name !== undefined && unavailableNames.has(name)) return { kind: 'unavailable', message };
  const code = stringProperty(error, 'code') ?? stringProperty(error, 'errno');
  if (code !== undefined && networkCodes.has(code)) return { kind: 'unavailable', message };
  // An SDK error without a service response (socket closed mid-body, bad gateway HTML) still
  // carries $metadata; anything else is a bug on our side and must not be retried.
  const metadata: unknown =
    typeof error === 'object' && error !== null ? Reflect.get(error, '$metadata') : undefined;
  if (typeof metadata === 'object' && metadata !== null) {
    const status: unknown = Reflect.get(metadata, 'httpStatusCode');
    if (status === undefined || (typeof status === 'number' && status >= 500))
      return { kind: 'unavailable', message };
  }
  return { kind: 'rejected', message };
}

export interface BackoffSettings {
  /** The ceiling of the first wait. */
  readonly baseDelayMs: number;
  /** No wait is longer than this. */
  readonly maxDelayMs: number;
}

/**
 * "Full jitter" exponential backoff: a uniformly random wait below min(max, base * 2^attempt).
 * Randomising the whole interval spreads many extractors that were throttled at the same
 * moment, so they do not come back in lockstep. `attempt` counts from 0; `random` is in [0, 1).
 */
export function backoffDelayMs(attempt: number, settings: BackoffSettings, random: number): number {
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** Math.max(0, attempt));
  return Math.floor(Math.min(Math.max(random, 0), 1) * ceiling);
}

/** The wait between two DescribeStatement polls: starts small, grows by half, capped. */
export function nextPollIntervalMs(currentMs: number, maxMs: number): number {
  return Math.min(maxMs, Math.max(currentMs + 1, Math.ceil(currentMs * 1.5)));
}
