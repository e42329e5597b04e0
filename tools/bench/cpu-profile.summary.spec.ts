import { formatProfileSummary, summarizeCpuProfile } from './cpu-profile.summary';

const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });

describe('summarizeCpuProfile', () => {
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', '') },
      { id: 2, callFrame: frame('(idle)', '') },
      { id: 3, callFrame: frame('(garbage collector)', '') },
      { id: 4, callFrame: frame('crc32C', 'file:///repo/node_modules/kafkajs/src/protocol/crc32C.js', 6) },
      { id: 5, callFrame: frame('', 'file:///repo/dist/apps/loader/src/batch-upserter.service.js', 41) },
      { id: 6, callFrame: frame('write', 'file:///repo/node_modules/@smithy/core/dist/index.js', 9) },
    ],
    // Sample i lands on nodes[i] with timeDeltas[i] microseconds.
    samples: [2, 2, 3, 4, 5, 5, 6],
    timeDeltas: [5_000_000, 3_000_000, 500_000, 1_000_000, 250_000, 250_000, 100_000],
  };

  it('splits busy time from idle, by package and by function, naming the service', () => {
    const summary = summarizeCpuProfile(profile);
    expect(summary.process).toBe('loader');
    expect(summary.wallSeconds).toBe(10.1);
    expect(summary.busySeconds).toBe(2.1);
    expect(summary.garbageCollectorSeconds).toBe(0.5);
    expect(summary.byModule).toEqual([
      ['kafkajs', 1],
      ['(native)', 0.5],
      ['apps/loader/src/batch-upserter.service.js', 0.5],
      ['@smithy/core', 0.1],
    ]);
    expect(summary.byFunction[0]).toEqual(['crc32C kafkajs:7', 1]);
    expect(summary.byFunction).toContainEqual([
      '(anonymous) apps/loader/src/batch-upserter.service.js:42',
      0.5,
    ]);
  });

  it('prints one block per process', () => {
    const text = formatProfileSummary(summarizeCpuProfile(profile, 2));
    expect(text).toMatch(/^loader: 2\.1 s busy of 10\.1 s sampled \(garbage collection 0\.5 s\)/);
    expect(text).toContain('   1.00 s  crc32C kafkajs:7');
    expect(text.split('\n').filter((line) => line.startsWith('    '))).toHaveLength(4);
  });
});
