// Which broker errors no retry can fix. kafkajs retries what the protocol calls retriable and then
// gives up with KafkaJSNumberOfRetriesExceeded (the cause inside); a record that is too large, a
// topic this principal may not write, or a record the broker calls invalid will fail the same way
// for ever. Those become a permanent BROKER_REJECTED error carrying the broker's reason, so the
// batch or run fails with it instead of a handler retrying in a loop.
import { KafkaJSError } from 'kafkajs';
import { describeError, QuperSyncError } from '@qupersync/contracts';

const permanentTypes: ReadonlySet<string> = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_TOPIC_EXCEPTION',
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  // Retriable for the protocol (a topic being created); after kafkajs's retries it is missing.
  'UNKNOWN_TOPIC_OR_PARTITION',
]);

const permanentNames: ReadonlySet<string> = new Set(['KafkaJSSASLAuthenticationError']);

/** The broker's reason when `error` (or an error inside it) is one no retry can fix. */
export function permanentBrokerReason(error: unknown, depth = 0): string | undefined {
  if (depth > 5 || typeof error !== 'object' || error === null) return undefined;
  const type: unknown = Reflect.get(error, 'type');
  if (typeof type === 'string' && permanentTypes.has(type)) return `${type}: ${describeError(error)}`;
  const name: unknown = Reflect.get(error, 'name');
  if (typeof name === 'string' && permanentNames.has(name)) return `${name}: ${describeError(error)}`;
  const inner: unknown[] = [Reflect.get(error, 'cause'), Reflect.get(error, 'originalError')];
  const errors: unknown = Reflect.get(error, 'errors');
  if (Array.isArray(errors)) inner.push(...(errors as unknown[]));
  for (const candidate of inner) {
    const reason = permanentBrokerReason(candidate, depth + 1);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

/** Rethrows a producer error: permanent ones as BROKER_REJECTED, the rest as they are (retried). */
export function classifySendError(error: unknown, topic: string, records: number, bytes: number): never {
  const reason = permanentBrokerReason(error);
  if (reason === undefined) throw error;
  throw new QuperSyncError(
    'BROKER_REJECTED',
    'permanent',
    `the broker refused ${records} record(s) (${bytes} bytes) for ${topic}: ${reason}`,
    { cause: error },
  );
}

/**
 * Whether `error` is the broker being away (a restart, a leader election, a lost connection)
 * rather than a refusal: work that failed on it may be done again once the broker is back.
 */
export function isBrokerOutage(error: unknown): boolean {
  return error instanceof KafkaJSError && permanentBrokerReason(error) === undefined;
}
