// Gives kafkajs 2.2.4 a native CRC32C for the record batches it produces. kafkajs checksums every
// batch it sends with a byte-at-a-time JavaScript loop: 11 ms of CPU for one 2.6 MB bench batch,
// half of all the work kafkajs does to encode the produce request. Each batch is produced twice
// (extractor, transformer), so that loop cost about 1 CPU-second per million bench rows. The
// native one (@node-rs/crc32, hardware CRC32C) takes 0.75 ms for the same bytes. The broker
// checks every batch's CRC on append, so a wrong checksum could never pass unseen: every
// produce in the suites goes through this function.
import { createRequire } from 'node:module';

type Checksum = (buffer: Buffer) => number;

const requireHere = createRequire(__filename);
/** kafkajs's own module, which recordBatch/v0 requires when the first produce request is encoded. */
const checksumModule = 'kafkajs/src/protocol/recordBatch/crc32C';
const recordBatchModule = 'kafkajs/src/protocol/recordBatch/v0';
const installed = Symbol.for('qupersync.kafkajs.nativeCrc32c');

/** The native CRC32C, or undefined where its binary is missing for this platform. */
export function nativeCrc32c(): Checksum | undefined {
  try {
    const loaded: unknown = requireHere('@node-rs/crc32');
    const crc32c: unknown =
      typeof loaded === 'object' && loaded !== null ? Reflect.get(loaded, 'crc32c') : undefined;
    if (typeof crc32c !== 'function') return undefined;
    return (buffer: Buffer): number => {
      const value: unknown = Reflect.apply(crc32c, undefined, [buffer]);
      if (typeof value !== 'number') throw new TypeError('crc32c returned a non-number');
      return value >>> 0;
    };
  } catch {
    return undefined;
  }
}

/**
 * Installs the native checksum once per process, before kafkajs first encodes a record batch.
 * Returns false, leaving kafkajs's own, when the binary is missing, when this kafkajs has no
 * checksum module of the expected shape (its spec then fails, so an upgrade is reviewed), or when
 * a record batch was encoded already (its module holds the old function).
 */
export function installNativeRecordBatchChecksum(): boolean {
  let checksumPath: string;
  let recordBatchPath: string;
  try {
    checksumPath = requireHere.resolve(checksumModule);
    recordBatchPath = requireHere.resolve(recordBatchModule);
  } catch {
    return false;
  }
  const current: unknown = requireHere(checksumModule);
  if (typeof current !== 'function') return false;
  if (Reflect.get(current, installed) === true) return true;
  if (requireHere.cache[recordBatchPath] !== undefined) return false;
  const native = nativeCrc32c();
  const cached = requireHere.cache[checksumPath];
  if (native === undefined || cached === undefined) return false;
  Reflect.set(native, installed, true);
  cached.exports = native;
  return true;
}
