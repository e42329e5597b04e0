import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { installNativeRecordBatchChecksum, nativeCrc32c } from './record-batch-checksum.fix';

// The real kafkajs modules, not stand-ins: the spec fails if an upgrade changes their shape.
const requireHere = createRequire(__filename);

function kafkajsFunction(path: string, name?: string): (...args: unknown[]) => unknown {
  const module: unknown = requireHere(path);
  const loaded: unknown =
    name === undefined || typeof module !== 'object' || module === null ? module : Reflect.get(module, name);
  if (typeof loaded !== 'function') throw new Error(`${path} ${name ?? ''} is not a function`);
  return (...args: unknown[]): unknown => {
    const result: unknown = Reflect.apply(loaded, undefined, args);
    return result;
  };
}

/** kafkajs's byte-at-a-time implementation, which the fix replaces. */
const javascriptCrc32c = kafkajsFunction('kafkajs/src/protocol/recordBatch/crc32C/crc32C');

describe('the native CRC32C for kafkajs record batches', () => {
  it('computes the CRC32C check value and what kafkajs computes, at every length around its word size', () => {
    const native = nativeCrc32c();
    if (native === undefined) throw new Error('@node-rs/crc32 did not load on this platform');
    expect(native(Buffer.from('123456789'))).toBe(0xe3069283);
    for (const length of [0, 1, 3, 7, 8, 9, 15, 16, 17, 63, 64, 65, 4_096, 2_600_001]) {
      const bytes = randomBytes(length);
      expect(native(bytes)).toBe(javascriptCrc32c(bytes));
    }
  });

  it('is what kafkajs writes into the record batches it encodes once installed', async () => {
    expect(installNativeRecordBatchChecksum()).toBe(true);
    expect(installNativeRecordBatchChecksum()).toBe(true); // once per process, then a no-op
    const Record = kafkajsFunction('kafkajs/src/protocol/recordBatch/record/v0');
    const RecordBatch = kafkajsFunction('kafkajs/src/protocol/recordBatch/v0', 'RecordBatch');
    const value = randomBytes(300_000);
    const encoded: unknown = await RecordBatch({
      records: [Record({ key: 'k', value, headers: { h: 'v' }, offsetDelta: 0, timestampDelta: 0 })],
      lastOffsetDelta: 0,
    });
    const buffer: unknown =
      typeof encoded === 'object' && encoded !== null ? Reflect.get(encoded, 'buffer') : null;
    if (!Buffer.isBuffer(buffer)) throw new Error('kafkajs RecordBatch did not encode to a buffer');
    // firstOffset int64, length int32, partitionLeaderEpoch int32, magic int8, then the CRC of the rest.
    const crcAt = 8 + 4 + 4 + 1;
    expect(buffer.readUInt32BE(crcAt)).toBe(javascriptCrc32c(buffer.subarray(crcAt + 4)));
    expect(buffer.includes(value)).toBe(true);
  });
});
