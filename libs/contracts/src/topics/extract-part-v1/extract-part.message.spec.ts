import { AvroMessageCodec } from '../../avro-message.codec';
import { extractPartCodec, extractPartMessageSchema } from './extract-part.message';

const part = {
  runId: '6f1c1f5e-6a43-4a5e-9d61-0d8f1b2f9a10',
  job: 'orders',
  extractionId: 'a-1',
  part: 3,
  parts: 12,
  urls: ['s3://bucket/orders/run/a-1/0001_part_00.parquet'],
  recordCounts: [41],
  sequenceBase: 3 << 20,
  schemaJson: '{"columns":[]}',
  expressionsJson: '{}',
  createdAtMs: 1_700_000_000_000,
};

describe('extractPartCodec', () => {
  it('round-trips the files’ format', () => {
    expect(extractPartCodec.decode(extractPartCodec.encode({ ...part, format: 'parquet' }))).toEqual({
      ...part,
      format: 'parquet',
    });
  });

  it('reads a part written before the format field as CSV (a rolling upgrade)', () => {
    const before = new AvroMessageCodec(
      'extract-part-v1/extract-part.before-format.avsc',
      extractPartMessageSchema.omit({ format: true }),
    );
    expect(extractPartCodec.decode(before.encode(part))).toEqual({ ...part, format: 'csv' });
  });
});
