import { KafkaJSError } from 'kafkajs';
import { QuperSyncError } from '@qupersync/contracts';
import {
  classifyHandlerFailure,
  decodeHeaders,
  PendingOffsets,
  unexpectedErrorAttempts,
} from './kafka-record.transport';

describe('classifyHandlerFailure', () => {
  it('dead-letters a permanent error at once', () => {
    const error = new QuperSyncError('MESSAGE_INVALID', 'permanent', 'nonsense');
    expect(classifyHandlerFailure(error, 1)).toBe(error);
  });

  it('retries a transient error however long the outage lasts', () => {
    expect(
      classifyHandlerFailure(new QuperSyncError('TARGET_UNAVAILABLE', 'transient', 'down'), 1_000),
    ).toBeUndefined();
  });

  it('retries a Kafka client error (broker away) for as long as it lasts', () => {
    expect(
      classifyHandlerFailure(new KafkaJSError('Connection timeout', { retriable: true }), 1_000),
    ).toBeUndefined();
  });

  it('gives an unexpected error a few attempts, then dead-letters it with the reason', () => {
    expect(classifyHandlerFailure(new TypeError('bug'), unexpectedErrorAttempts - 1)).toBeUndefined();
    expect(classifyHandlerFailure(new TypeError('bug'), unexpectedErrorAttempts)).toMatchObject({
      code: 'INTERNAL',
      errorClass: 'permanent',
      message: expect.stringContaining('bug'),
    });
  });
});

describe('decodeHeaders', () => {
  it('turns Kafka header buffers into strings, first value of a repeated header', () => {
    expect(
      decodeHeaders({ a: Buffer.from('1'), b: [Buffer.from('x'), Buffer.from('y')], c: 'plain' }),
    ).toEqual({ a: '1', b: 'x', c: 'plain' });
  });
});

describe('PendingOffsets', () => {
  it('commits a record at once when nothing before it is open', () => {
    const offsets = new PendingOffsets();
    offsets.add(5n);
    expect(offsets.complete(5n)).toBe(6n);
    expect(offsets.open).toBe(0);
  });

  it('holds later records behind an open one, then commits them all when it ends', () => {
    const offsets = new PendingOffsets();
    offsets.add(10n); // a long extraction, detached
    offsets.add(11n);
    offsets.add(12n);
    expect(offsets.complete(11n)).toBeUndefined();
    expect(offsets.complete(12n)).toBeUndefined();
    expect(offsets.complete(10n)).toBe(13n);
    expect(offsets.open).toBe(0);
  });

  it('commits only up to the first record still open', () => {
    const offsets = new PendingOffsets();
    for (const offset of [1n, 2n, 3n]) offsets.add(offset);
    expect(offsets.complete(1n)).toBe(2n);
    expect(offsets.complete(3n)).toBeUndefined();
    expect(offsets.open).toBe(2);
    expect(offsets.complete(2n)).toBe(4n);
  });

  it('takes a redelivered record that is still open without losing its place', () => {
    const offsets = new PendingOffsets();
    offsets.add(7n);
    offsets.add(7n);
    offsets.add(8n);
    expect(offsets.complete(8n)).toBeUndefined();
    expect(offsets.complete(7n)).toBe(9n);
  });
});
