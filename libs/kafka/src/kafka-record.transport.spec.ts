import { KafkaJSError } from 'kafkajs';
import { QuperSyncError } from '@qupersync/contracts';
import { classifyHandlerFailure, decodeHeaders, unexpectedErrorAttempts } from './kafka-record.transport';

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
