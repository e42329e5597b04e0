import {
  evaluateTargets,
  formatBenchReport,
  ratio,
  rowsPerCpuSecond,
  cpuSecondsPerMillionRows,
  rowsPerSecond,
  summaryLine,
  type BenchResult,
} from './bench.report';

function result(overrides: Partial<BenchResult> = {}): BenchResult {
  return {
    rows: 1_000_000,
    loaders: 1,
    started_at: '2024-05-01T10:00:00.000Z',
    machine: { cpus: 2, cpu_model: 'test cpu', memory_mb: 4096, platform: 'linux 6', node: 'v20.0.0' },
    baseline_copy_seconds: 5,
    baseline_copy_rows_per_s: 200_000,
    e2e_seconds: 8,
    e2e_rows_per_s: 125_000,
    e2e_ratio: 0.625,
    loader_seconds: 10,
    loader_rows_per_s: 100_000,
    loader_copy_seconds: 8,
    loader_copy_rows_per_s: 125_000,
    loader_ratio: 0.8,
    loader_update_seconds: 20,
    loader_update_rows_per_s: 50_000,
    loader_update_ratio: 0.5,
    incremental_first_seconds: 9,
    incremental_noop_seconds: 0.4,
    resync_seconds: 7,
    resync_row_versions_written: 0,
    resync_pg_stat_writes: 0,
    peak_rss_mb: { extractor: 120, loader: 100 },
    e2e_cpu_seconds: { extractor: 4, loader: 6, postgres: 20, 'data-api': 9 },
    e2e_batch_seconds: { load: { count: 200, sum_seconds: 12 } },
    stage_rows_per_cpu_s: { extractor: 250_000, loader: 166_667 },
    ...overrides,
  };
}

describe('rowsPerSecond and ratio', () => {
  it('round, and give 0 instead of dividing by zero', () => {
    expect(rowsPerSecond(1_000_000, 3)).toBe(333_333);
    expect(rowsPerSecond(10, 0)).toBe(0);
    expect(ratio(1, 3)).toBe(0.333);
    expect(ratio(1, 0)).toBe(0);
  });
});

describe('evaluateTargets', () => {
  it('passes a run that meets every section 9 target; memory stays open without a reference', () => {
    const checks = evaluateTargets(result());
    expect(checks.map((check) => [check.metric, check.outcome])).toEqual([
      ['e2e_ratio', 'pass'],
      ['cpu_seconds_per_million_rows.pipeline', 'pass'],
      ['loader_ratio', 'pass'],
      ['loader_update_ratio', 'pass'],
      ['incremental_noop_seconds', 'pass'],
      ['resync_row_versions_written', 'pass'],
      ['peak_rss_mb.extractor', 'n/a'],
      ['peak_rss_mb.loader', 'n/a'],
    ]);
  });

  it('holds each figure against its own threshold, boundaries included', () => {
    const outcomes = (overrides: Partial<BenchResult>): Record<string, string> =>
      Object.fromEntries(evaluateTargets(result(overrides)).map((check) => [check.metric, check.outcome]));
    expect(
      outcomes({
        e2e_ratio: 0.35,
        loader_ratio: 0.8,
        loader_update_ratio: 0.5,
        e2e_cpu_seconds: { kafka: 5, extractor: 10, postgres: 40 },
      }),
    ).toMatchObject({
      e2e_ratio: 'pass',
      loader_ratio: 'pass',
      loader_update_ratio: 'pass',
      'cpu_seconds_per_million_rows.pipeline': 'pass',
    });
    expect(
      outcomes({
        e2e_ratio: 0.34,
        loader_ratio: 0.79,
        loader_update_ratio: 0.49,
        e2e_cpu_seconds: { kafka: 5, extractor: 10.1, postgres: 1 },
        incremental_noop_seconds: 2,
        resync_row_versions_written: 1,
      }),
    ).toMatchObject({
      e2e_ratio: 'FAIL',
      loader_ratio: 'FAIL',
      loader_update_ratio: 'FAIL',
      'cpu_seconds_per_million_rows.pipeline': 'FAIL',
      incremental_noop_seconds: 'FAIL',
      resync_row_versions_written: 'FAIL',
    });
  });

  it('compares peak RSS with a run at another size: within 20% passes', () => {
    const checks = evaluateTargets(
      result({ peak_rss_mb: { extractor: 144, loader: 121, coordinator: 90 } }),
      {
        rows: 200_000,
        peak_rss_mb: { extractor: 120, loader: 100 },
      },
    );
    const memory = checks.filter((check) => check.metric.startsWith('peak_rss_mb.'));
    expect(memory.map((check) => [check.metric, check.outcome])).toEqual([
      ['peak_rss_mb.extractor', 'pass'],
      ['peak_rss_mb.loader', 'FAIL'],
      ['peak_rss_mb.coordinator', 'n/a'],
    ]);
    expect(memory[0]?.value).toBe('144.0 MB (+20.0% vs 120.0 MB at 200,000 rows)');
  });
});

describe('formatBenchReport', () => {
  it('prints every target with its result, the measurements and the profile', () => {
    const text = formatBenchReport(result({ e2e_ratio: 0.3, e2e_rows_per_s: 60_000 }));
    expect(text).toContain('QuperSync bench: 1,000,000 rows, 1 loader(s)');
    expect(text).toMatch(
      /e2e_ratio\s+0\.30 \(60,000 \/ 200,000 rows\/s\)\s+>= 0\.35 of the raw COPY pipe\s+FAIL/,
    );
    expect(text).toMatch(/loader_ratio\s+0\.80 .*pass/);
    expect(text).toMatch(/loader_update_rows_per_s\s+50,000 rows\/s \(20.00 s\), 0.50 of COPY/);
    expect(text).toMatch(/baseline_copy_rows_per_s\s+200,000 rows\/s \(5\.00 s\)/);
    // The profile lists the busiest process first.
    expect(text.indexOf('cpu loader')).toBeLessThan(text.indexOf('cpu extractor'));
    expect(text).toContain('batch load       200 batches, 12.0 s, mean 60 ms');
    expect(text).toContain('Targets missed: e2e_ratio');
  });
});

describe('summaryLine', () => {
  it('says when every measured target is met and what is still open', () => {
    expect(summaryLine([{ metric: 'e2e_ratio', value: '', target: '', outcome: 'pass' }])).toBe(
      'Every measured target is met.',
    );
    expect(
      summaryLine([
        { metric: 'a', value: '', target: '', outcome: 'FAIL' },
        { metric: 'b', value: '', target: '', outcome: 'n/a' },
      ]),
    ).toMatch(/^Targets missed: a \(1 memory target/);
  });
});

describe('cpuSecondsPerMillionRows', () => {
  it('scales each process to a million rows; the pipeline leaves out PostgreSQL, the Data API and S3', () => {
    expect(
      cpuSecondsPerMillionRows({
        rows: 300_000,
        e2e_cpu_seconds: { kafka: 3, extractor: 6, 'loader-2': 1.5, postgres: 9, 'data-api': 6, s3: 0.3 },
      }),
    ).toEqual({
      kafka: 10,
      extractor: 20,
      'loader-2': 5,
      postgres: 30,
      'data-api': 20,
      s3: 1,
      pipeline: 35,
    });
  });
});

describe('rowsPerCpuSecond', () => {
  it('divides the rows by each process CPU time, so the limiting stage has the lowest figure', () => {
    expect(
      rowsPerCpuSecond({ rows: 1_000_000, e2e_cpu_seconds: { extractor: 4, loader: 6, idle: 0 } }),
    ).toEqual({
      extractor: 250_000,
      loader: 166_667,
      idle: 0,
    });
  });
});
