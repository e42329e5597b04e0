import {
  parseBatchDurations,
  parsePeakRssMegabytes,
  parseProcessStat,
  subtractBatchDurations,
} from './process.sampler';

describe('parsePeakRssMegabytes', () => {
  it('reads VmHWM in MB, not VmRSS', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1200000 kB\nVmHWM:\t  262144 kB\nVmRSS:\t  100000 kB\n';
    expect(parsePeakRssMegabytes(status)).toBe(256);
  });

  it('gives null for a process that is gone (empty text) or a kernel thread', () => {
    expect(parsePeakRssMegabytes('')).toBeNull();
    expect(parsePeakRssMegabytes('Name:\tkworker\n')).toBeNull();
  });
});

describe('parseProcessStat', () => {
  it('reads ppid, utime + stime and cutime + cstime, even with ) and spaces in the name', () => {
    const fields = ['S', '42', ...Array.from({ length: 9 }, () => '0'), '150', '50', '7', '3', '20', '0'];
    const stat = `1234 (node (a) b) ${fields.join(' ')}`;
    expect(parseProcessStat(stat)).toEqual({ parentPid: 42, ticks: { own: 200, reapedChildren: 10 } });
  });

  it('gives null for text that is not a stat line', () => {
    expect(parseProcessStat('')).toBeNull();
    expect(parseProcessStat('1 (x) S')).toBeNull();
  });
});

describe('parseBatchDurations', () => {
  it('sums count and sum per phase, ignoring buckets and other metrics', () => {
    const metrics = [
      '# HELP qupersync_batch_duration_seconds Time to process one batch, by phase',
      'qupersync_batch_duration_seconds_bucket{le="0.1",phase="load"} 3',
      'qupersync_batch_duration_seconds_sum{phase="load"} 2.5',
      'qupersync_batch_duration_seconds_count{phase="load"} 20',
      'qupersync_batch_duration_seconds_sum{phase="transform"} 1.25',
      'qupersync_batch_duration_seconds_count{phase="transform"} 10',
      'qupersync_rows_total{phase="load",job="x"} 100000',
    ].join('\n');
    expect(parseBatchDurations(metrics)).toEqual({
      load: { count: 20, sum_seconds: 2.5 },
      transform: { count: 10, sum_seconds: 1.25 },
    });
  });

  it('subtracts an earlier sample per phase', () => {
    expect(
      subtractBatchDurations(
        { load: { count: 30, sum_seconds: 4 }, transform: { count: 5, sum_seconds: 1 } },
        { load: { count: 10, sum_seconds: 1.5 } },
      ),
    ).toEqual({ load: { count: 20, sum_seconds: 2.5 }, transform: { count: 5, sum_seconds: 1 } });
  });
});
