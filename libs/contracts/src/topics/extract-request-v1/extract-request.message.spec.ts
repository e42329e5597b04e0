import { AvroMessageCodec } from '../../avro-message.codec';
import { extractRequestCodec, extractRequestMessageSchema, maxKeysPerRun } from './extract-request.message';

const request = {
  runId: '6f1c1f5e-6a43-4a5e-9d61-0d8f1b2f9a10',
  job: 'orders',
  mode: 'full' as const,
  fromCursor: null,
  requestedAtMs: 1_700_000_000_000,
};

describe('extractRequestCodec', () => {
  it('round-trips a keyed run’s key tuples, empty strings included', () => {
    const keys = [
      ['9007199254740993', 'a'],
      ['-1', ''],
    ];
    expect(extractRequestCodec.decode(extractRequestCodec.encode({ ...request, keys }))).toEqual({
      ...request,
      keys,
    });
  });

  it('reads a request written before keyed runs as a whole run (a rolling upgrade)', () => {
    const before = new AvroMessageCodec(
      'extract-request-v1/extract-request.before-keys.avsc',
      extractRequestMessageSchema.omit({ keys: true }),
    );
    expect(extractRequestCodec.decode(before.encode(request))).toEqual({ ...request, keys: null });
  });

  it('refuses an empty key list and more keys than one run carries', () => {
    expect(() => extractRequestCodec.encode({ ...request, keys: [] })).toThrow();
    const tooMany = Array.from({ length: maxKeysPerRun + 1 }, (_, index) => [String(index)]);
    expect(() => extractRequestCodec.encode({ ...request, keys: tooMany })).toThrow();
  });
});
