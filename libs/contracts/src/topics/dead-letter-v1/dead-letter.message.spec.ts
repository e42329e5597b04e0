import {
  deadLetterCodec,
  DeadLetterMessage,
  encodeDeadLetter,
  maxDeadLetterBytes,
} from './dead-letter.message';

const letter = (payloadBytes: number, rowCharacters: number): DeadLetterMessage => ({
  job: 'orders',
  runId: null,
  sequence: 3,
  stage: 'transformer',
  errorCode: 'MESSAGE_UNDECODABLE',
  reason: 'not Avro',
  rowKey: '{"id":"1"}',
  row: rowCharacters === 0 ? null : 'r'.repeat(rowCharacters),
  sourceTopic: 'qupersync.trigger.v1',
  sourcePartition: 0,
  sourceOffset: '42',
  payload: Buffer.alloc(payloadBytes, 7),
  occurredAtMs: 1,
});

describe('encodeDeadLetter', () => {
  it('keeps a dead letter that fits as it is', () => {
    const small = letter(1_000, 100);
    expect(deadLetterCodec.decode(encodeDeadLetter(small))).toEqual(small);
  });

  it('cuts one too large for the broker to its reason, key, position and the heads of payload and row', () => {
    const encoded = encodeDeadLetter(letter(2 * 1024 * 1024, 600_000));
    expect(encoded.length).toBeLessThanOrEqual(maxDeadLetterBytes);
    const decoded = deadLetterCodec.decode(encoded);
    expect(decoded).toMatchObject({ job: 'orders', rowKey: '{"id":"1"}', sourceOffset: '42', sequence: 3 });
    expect(decoded.reason).toBe(
      'not Avro (dead letter cut to fit: payload 2097152 bytes, row 600000 characters; heads kept)',
    );
    expect(decoded.payload?.length).toBe(64 * 1024);
    expect(decoded.row?.length).toBe(16 * 1024);
  });
});
