import { batchBytesWithin } from './kafka.gateway';

describe('batchBytesWithin', () => {
  it('keeps KAFKA_MAX_BATCH_BYTES when the topic allows more', () => {
    expect(batchBytesWithin(4 * 1024 * 1024, 16 * 1024 * 1024)).toBe(4 * 1024 * 1024);
  });

  it("fits a topic left at the broker's 1 MiB default, leaving 128 KiB for key, headers and framing", () => {
    expect(batchBytesWithin(4 * 1024 * 1024, 1_048_588)).toBe(1_048_588 - 128 * 1024);
  });

  it('leaves an eighth of a small limit as headroom', () => {
    expect(batchBytesWithin(4 * 1024 * 1024, 256 * 1024)).toBe(224 * 1024);
  });
});
