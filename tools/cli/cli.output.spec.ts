import type { RunView } from './coordinator-api.schema';
import {
  formatCount,
  formatDuration,
  formatFailures,
  formatJobs,
  formatProgress,
  formatRun,
  formatRunJson,
  formatRunOutcome,
  formatRuns,
  formatTable,
  formatStatus,
} from './cli.output';

const run: RunView = {
  runId: 'run-1',
  job: 'orders',
  mode: 'incremental',
  status: 'loading',
  requestKey: 'key-1',
  rowsExtracted: 15000,
  rowsLoaded: 10000,
  rowsDeadLettered: 0,
  rowsInvalid: 0,
  rowsRejected: 0,
  rowsStale: 0,
  batches: null,
  batchesLoaded: 2,
  failedBatches: 0,
  durationMs: null,
  error: null,
  warnings: [],
  scanPlan: null,
  rowsScanned: null,
  keys: null,
  rowsDeleted: 0,
  verifyReport: null,
  createdAt: '2025-01-01T00:00:00.000Z',
  finishedAt: null,
};

describe('cli output', () => {
  it('aligns table columns under their headers', () => {
    expect(
      formatTable(
        ['A', 'LONG'],
        [
          ['xyz', '1'],
          ['q', '22'],
        ],
      ),
    ).toBe('A    LONG\n---  ----\nxyz  1\nq    22');
  });

  it('shows each service up or DOWN with its lag, each job with its last run, and what is down', () => {
    const text = formatStatus({
      healthy: false,
      services: [
        {
          service: 'loader',
          groupId: 'qupersync-loader',
          up: true,
          members: 2,
          state: 'Stable',
          lag: 0,
          topics: [],
        },
        {
          service: 'transformer',
          groupId: 'qupersync-transformer',
          up: false,
          members: 0,
          state: 'Empty',
          lag: 12_345,
          topics: [{ topic: 'qupersync.batch.extracted.v1', lag: 12_345 }],
        },
      ],
      jobs: [{ job: 'orders', activeRunId: null, lastRun: { ...run, status: 'succeeded' } }],
      checkedAt: '2024-05-01T10:00:00.000Z',
    });
    expect(text).toMatch(/loader\s+up\s+2\s+Stable\s+0/);
    expect(text).toMatch(/transformer\s+DOWN\s+0\s+Empty\s+12,345/);
    expect(text).toMatch(/orders\s+-\s+\S+\s+succeeded/);
    expect(text).toContain('down: transformer');
  });

  it('formats durations and counts independently of the locale', () => {
    expect(formatDuration(null)).toBe('-');
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_345)).toBe('12.3 s');
    expect(formatDuration(245_000)).toBe('4 min 05 s');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(999)).toBe('999');
  });

  it('lists jobs with placeholders for missing values', () => {
    const text = formatJobs([
      {
        name: 'orders',
        mode: 'incremental',
        sourceTable: null,
        targetTable: 'public.orders',
        schedule: null,
        watermark: '2025-01-01',
        activeRunId: null,
      },
    ]);
    expect(text).toContain('JOB');
    expect(text).toMatch(/orders\s+incremental\s+\(sql\)\s+public\.orders\s+-\s+2025-01-01\s+-/);
    expect(formatJobs([])).toContain('no jobs');
  });

  it('shows batches as loaded/total, with ? until extraction has ended', () => {
    expect(formatProgress(run, 1500)).toBe(
      'run run-1 loading  batches 2/?  rows 15,000 extracted, 10,000 loaded  1.5 s',
    );
    expect(
      formatProgress({ ...run, batches: 3, failedBatches: 1, rowsInvalid: 4, rowsRejected: 2 }, 10),
    ).toContain('batches 2/3  rows 15,000 extracted, 10,000 loaded  4 invalid  2 rejected  1 failed batches');
  });

  it('prints the run summary fields of DESIGN.md section 8 as JSON', () => {
    expect(JSON.parse(formatRunJson({ ...run, status: 'succeeded', batches: 3, durationMs: 900 }))).toEqual({
      runId: 'run-1',
      job: 'orders',
      status: 'succeeded',
      rowsExtracted: 15000,
      rowsLoaded: 10000,
      rowsDeadLettered: 0,
      rowsInvalid: 0,
      rowsRejected: 0,
      rowsStale: 0,
      rowsDeleted: 0,
      batches: 3,
      failedBatches: 0,
      durationMs: 900,
    });
  });

  it('lists runs with every row count: extracted, loaded, invalid, rejected, stale', () => {
    const text = formatRuns([{ ...run, rowsInvalid: 3, rowsRejected: 2, rowsStale: 7 }]);
    expect(text).toMatch(/EXTRACTED\s+LOADED\s+INVALID\s+REJECTED\s+STALE/);
    expect(text).toMatch(/15,000\s+10,000\s+3\s+2\s+7/);
    expect(formatRun({ ...run, rowsRejected: 2 })).toMatch(/^rows rejected: +2$/m);
    expect(formatRun(run)).toMatch(/^rows scanned: +-$/m);
    const planned = formatRun({ ...run, scanPlan: 'sort_key_ranges (sort key id)', rowsScanned: 1_200_000 });
    expect(planned).toMatch(/^scan plan: +sort_key_ranges \(sort key id\)$/m);
    expect(planned).toMatch(/^rows scanned: +1,200,000$/m);
  });

  it('shows a run in detail, including its error', () => {
    const text = formatRun({ ...run, status: 'failed', error: 'boom' });
    expect(text).toMatch(/^run: +run-1$/m);
    expect(text).toMatch(/^error: +boom$/m);
    expect(formatRunOutcome({ ...run, status: 'failed', error: 'boom' })).toContain('\nerror: boom\n');
    const warned = { ...run, status: 'succeeded' as const, warnings: ['column x is gone'] };
    expect(formatRun(warned)).toMatch(/^warning: +column x is gone$/m);
    expect(formatRunOutcome(warned)).toContain('\nwarning: column x is gone\n');
  });

  it('lists runs and failures', () => {
    expect(formatRuns([run])).toContain('run-1');
    expect(formatRuns([])).toBe('no runs\n');
    const failures = formatFailures([
      {
        job: 'orders',
        runId: 'run-1',
        sequence: 3,
        topic: 'qupersync.batch.transformed.v1',
        partition: 2,
        offset: '17',
        errorCode: 'LOAD_FAILED',
        error: 'duplicate\nkey',
        recordedAt: '2025-01-01T00:00:00Z',
      },
    ]);
    expect(failures).toContain('qupersync.batch.transformed.v1/2@17');
    expect(failures).toContain('duplicate key');
    expect(formatFailures([])).toBe('no failures recorded\n');
  });
});
