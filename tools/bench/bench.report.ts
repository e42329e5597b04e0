// The bench's figures, the targets of DESIGN.md section 9 they are held against, and the table
// printed at the end (pure, unit-tested). Field names are snake_case because they are the
// `--json` contract that section 9 names.
import { formatCount, formatTable } from '../cli/cli.output';

export interface MachineInfo {
  cpus: number;
  cpu_model: string;
  memory_mb: number;
  platform: string;
  node: string;
}

export interface BatchTiming {
  count: number;
  sum_seconds: number;
}

export interface BenchResult {
  rows: number;
  loaders: number;
  /** Absent in files written before extractors could scale: one. */
  extractors?: number;
  started_at: string;
  machine: MachineInfo;
  baseline_copy_seconds: number;
  baseline_copy_rows_per_s: number;
  e2e_seconds: number;
  e2e_rows_per_s: number;
  e2e_ratio: number;
  loader_seconds: number;
  loader_rows_per_s: number;
  loader_copy_seconds: number;
  loader_copy_rows_per_s: number;
  loader_ratio: number;
  /** The upserter over rows that exist, one column changed (the ON CONFLICT DO UPDATE path). */
  loader_update_seconds: number;
  loader_update_rows_per_s: number;
  /** loader_update_rows_per_s over loader_copy_rows_per_s: shown, not a target. */
  loader_update_ratio: number;
  /** The incremental run that sets the watermark (re-reads every row): shown, not a target. */
  incremental_first_seconds: number;
  incremental_noop_seconds: number;
  /** How the full run and the first incremental run read the source, and the rows they scanned (STL_SCAN). */
  e2e_scan_plan?: string | null;
  e2e_rows_scanned?: number | null;
  incremental_first_scan_plan?: string | null;
  incremental_first_rows_scanned?: number | null;
  /** `--extract unload`: the same full run through UNLOAD to S3 (CSV), exact by md5. */
  unload_e2e_seconds?: number;
  unload_e2e_rows_per_s?: number;
  unload_e2e_ratio?: number;
  unload_scan_plan?: string | null;
  unload_cpu_seconds?: Record<string, number>;
  /** Peak RSS per process during the UNLOAD run alone (VmHWM reset before it). */
  unload_peak_rss_mb?: Record<string, number>;
  /** `--extract unload`: the same run with FORMAT PARQUET. */
  unload_parquet_e2e_seconds?: number;
  unload_parquet_e2e_rows_per_s?: number;
  unload_parquet_e2e_ratio?: number;
  unload_parquet_scan_plan?: string | null;
  unload_parquet_cpu_seconds?: Record<string, number>;
  unload_parquet_peak_rss_mb?: Record<string, number>;
  resync_seconds: number;
  resync_row_versions_written: number;
  /** n_tup_ins + n_tup_upd delta over the re-sync: a second opinion on the xmin count. */
  resync_pg_stat_writes: number;
  /** VmHWM of every service process at the end of the bench. */
  peak_rss_mb: Record<string, number>;
  /** CPU seconds (user + system) each process spent during the end-to-end run: the profile. */
  e2e_cpu_seconds: Record<string, number>;
  /** qupersync_batch_duration_seconds count and sum per phase during the end-to-end run. */
  e2e_batch_seconds: Record<string, BatchTiming>;
  /** rows / e2e_cpu_seconds per process: the stage with the lowest figure limits the pipeline. */
  stage_rows_per_cpu_s: Record<string, number>;
  /**
   * e2e_cpu_seconds scaled to a million rows, per process and `pipeline` (the services and Kafka:
   * every process but the warehouse's stand-ins and the databases). Absent in older files.
   */
  cpu_seconds_per_million_rows?: Record<string, number>;
  /** `qupersync verify` of the equal table: wall seconds and statements (absent before verify). */
  verify_equal_seconds?: number;
  verify_equal_statements?: number;
  /** verify after 1 % of the target's rows were deleted, 0.1 % changed and 500 added. */
  verify_differences_seconds?: number;
  verify_differences?: { missing: number; extra: number; different: number };
  verify_differences_rows_compared?: number;
  verify_differences_statements?: number;
  /** verify --repair of those differences (keyed runs, deletes), ending equal by md5. */
  verify_repair_seconds?: number;
  verify_repair_passes?: number;
}

export type TargetOutcome = 'pass' | 'FAIL' | 'n/a';

export interface TargetCheck {
  metric: string;
  value: string;
  target: string;
  outcome: TargetOutcome;
}

/** The part of an earlier `--json` file the memory comparison needs. */
export interface MemoryReference {
  rows: number;
  peak_rss_mb: Record<string, number>;
}

export const targets = {
  e2eRatio: 0.35,
  pipelineCpuSecondsPerMillionRows: 15,
  loaderRatio: 0.8,
  loaderUpdateRatio: 0.5,
  incrementalNoopSeconds: 2,
  memoryTolerance: 0.2,
  /** Issue 15: a verify of an equal 1,000,000-row table (reladiff needed 35 s for a diff here). */
  verifyEqualSeconds: 30,
} as const;

/**
 * Processes that stand in for what production does not run on QuperSync's CPU: the warehouse's
 * compute (the Data API endpoint over PostgreSQL), S3, and PostgreSQL itself (source and target).
 */
const outsideThePipeline = new Set(['postgres', 'data-api', 's3']);

/** CPU-seconds per million rows per process, and `pipeline`: the services and Kafka together. */
export function cpuSecondsPerMillionRows(
  result: Pick<BenchResult, 'rows' | 'e2e_cpu_seconds'>,
): Record<string, number> {
  const scale = result.rows > 0 ? 1_000_000 / result.rows : 0;
  const perMillion: Record<string, number> = {};
  let pipeline = 0;
  for (const [name, seconds] of Object.entries(result.e2e_cpu_seconds)) {
    perMillion[name] = Math.round(seconds * scale * 10) / 10;
    if (!outsideThePipeline.has(name)) pipeline += seconds * scale;
  }
  perMillion.pipeline = Math.round(pipeline * 10) / 10;
  return perMillion;
}

export function rowsPerSecond(rows: number, seconds: number): number {
  return seconds > 0 ? Math.round(rows / seconds) : 0;
}

export function ratio(numerator: number, denominator: number): number {
  return denominator > 0 ? Math.round((numerator / denominator) * 1000) / 1000 : 0;
}

/** Every section 9 target with this run's value; memory needs a run at another size to compare. */
export function evaluateTargets(result: BenchResult, reference?: MemoryReference): TargetCheck[] {
  const checks: TargetCheck[] = [
    {
      metric: 'e2e_ratio',
      value: `${result.e2e_ratio.toFixed(2)} (${formatCount(result.e2e_rows_per_s)} / ${formatCount(result.baseline_copy_rows_per_s)} rows/s)`,
      target: `>= ${targets.e2eRatio} of the raw COPY pipe`,
      outcome: result.e2e_ratio >= targets.e2eRatio ? 'pass' : 'FAIL',
    },
    pipelineCpuCheck(result),
    {
      metric: 'loader_ratio',
      value: `${result.loader_ratio.toFixed(2)} (${formatCount(result.loader_rows_per_s)} / ${formatCount(result.loader_copy_rows_per_s)} rows/s)`,
      target: `>= ${targets.loaderRatio} of a plain COPY`,
      outcome: result.loader_ratio >= targets.loaderRatio ? 'pass' : 'FAIL',
    },
    {
      metric: 'loader_update_ratio',
      value: `${result.loader_update_ratio.toFixed(2)} (${formatCount(result.loader_update_rows_per_s)} / ${formatCount(result.loader_copy_rows_per_s)} rows/s)`,
      target: `>= ${targets.loaderUpdateRatio} of a plain COPY, every row changed`,
      outcome: result.loader_update_ratio >= targets.loaderUpdateRatio ? 'pass' : 'FAIL',
    },
    {
      metric: 'incremental_noop_seconds',
      value: `${result.incremental_noop_seconds.toFixed(2)} s`,
      target: `< ${targets.incrementalNoopSeconds} s`,
      outcome: result.incremental_noop_seconds < targets.incrementalNoopSeconds ? 'pass' : 'FAIL',
    },
    {
      metric: 'resync_row_versions_written',
      value: formatCount(result.resync_row_versions_written),
      target: '0',
      outcome: result.resync_row_versions_written === 0 ? 'pass' : 'FAIL',
    },
  ];
  if (result.verify_equal_seconds !== undefined)
    checks.push({
      metric: 'verify_equal_seconds',
      value: `${result.verify_equal_seconds.toFixed(2)} s (${result.verify_equal_statements ?? '?'} statements)`,
      target: `< ${targets.verifyEqualSeconds} s`,
      outcome: result.verify_equal_seconds < targets.verifyEqualSeconds ? 'pass' : 'FAIL',
    });
  for (const [service, megabytes] of Object.entries(result.peak_rss_mb)) {
    checks.push(memoryCheck(service, megabytes, reference));
  }
  return checks;
}

function pipelineCpuCheck(result: BenchResult): TargetCheck {
  const pipeline = cpuSecondsPerMillionRows(result).pipeline ?? 0;
  return {
    metric: 'cpu_seconds_per_million_rows.pipeline',
    value: `${pipeline.toFixed(1)} CPU-s`,
    target: `<= ${targets.pipelineCpuSecondsPerMillionRows} (services and Kafka)`,
    outcome: pipeline <= targets.pipelineCpuSecondsPerMillionRows ? 'pass' : 'FAIL',
  };
}

function memoryCheck(
  service: string,
  megabytes: number,
  reference: MemoryReference | undefined,
): TargetCheck {
  const metric = `peak_rss_mb.${service}`;
  const target = `within ${targets.memoryTolerance * 100}% across table sizes`;
  const other = reference?.peak_rss_mb[service];
  if (reference === undefined || other === undefined || other <= 0)
    return { metric, value: `${megabytes.toFixed(1)} MB`, target, outcome: 'n/a' };
  const change = megabytes / other - 1;
  const sign = change >= 0 ? '+' : '';
  return {
    metric,
    value: `${megabytes.toFixed(1)} MB (${sign}${(change * 100).toFixed(1)}% vs ${other.toFixed(1)} MB at ${formatCount(reference.rows)} rows)`,
    target,
    outcome: Math.abs(change) <= targets.memoryTolerance ? 'pass' : 'FAIL',
  };
}

/** The measurements that have no target of their own, for the context of the ones that do. */
function measurementRows(result: BenchResult): string[][] {
  const rate = (perSecond: number, seconds: number): string =>
    `${formatCount(perSecond)} rows/s (${seconds.toFixed(2)} s)`;
  return [
    ['baseline_copy_rows_per_s', rate(result.baseline_copy_rows_per_s, result.baseline_copy_seconds)],
    ['e2e_rows_per_s', rate(result.e2e_rows_per_s, result.e2e_seconds)],
    ...(result.unload_e2e_rows_per_s === undefined || result.unload_e2e_seconds === undefined
      ? []
      : [
          [
            'unload_e2e_rows_per_s',
            `${rate(result.unload_e2e_rows_per_s, result.unload_e2e_seconds)}, ${(result.unload_e2e_ratio ?? 0).toFixed(2)} of the pipe (${result.unload_scan_plan ?? '?'})`,
          ],
        ]),
    ...(result.unload_parquet_e2e_rows_per_s === undefined || result.unload_parquet_e2e_seconds === undefined
      ? []
      : [
          [
            'unload_parquet_e2e_rows_per_s',
            `${rate(result.unload_parquet_e2e_rows_per_s, result.unload_parquet_e2e_seconds)}, ${(result.unload_parquet_e2e_ratio ?? 0).toFixed(2)} of the pipe (${result.unload_parquet_scan_plan ?? '?'})`,
          ],
        ]),
    ['loader_copy_rows_per_s', rate(result.loader_copy_rows_per_s, result.loader_copy_seconds)],
    ['loader_rows_per_s', rate(result.loader_rows_per_s, result.loader_seconds)],
    [
      'loader_update_rows_per_s',
      `${rate(result.loader_update_rows_per_s, result.loader_update_seconds)}, ${result.loader_update_ratio.toFixed(2)} of COPY (every row changed)`,
    ],
    ['incremental_first_seconds', `${result.incremental_first_seconds.toFixed(2)} s (re-reads every row)`],
    ...(result.verify_differences_seconds === undefined || result.verify_differences === undefined
      ? []
      : [
          [
            'verify_differences_seconds',
            `${result.verify_differences_seconds.toFixed(2)} s: ${formatCount(result.verify_differences.missing)} missing, ${formatCount(result.verify_differences.extra)} extra, ${formatCount(result.verify_differences.different)} different (${formatCount(result.verify_differences_rows_compared ?? 0)} rows compared, ${result.verify_differences_statements ?? '?'} statements)`,
          ],
          [
            'verify_repair_seconds',
            `${(result.verify_repair_seconds ?? 0).toFixed(2)} s (repaired to md5-equal)`,
          ],
        ]),
    [
      'resync_seconds',
      `${result.resync_seconds.toFixed(2)} s (pg_stat ins+upd: ${formatCount(result.resync_pg_stat_writes)})`,
    ],
  ];
}

/**
 * Rows each process of the end-to-end run handles per CPU-second: on a machine where every stage
 * competes for the same cores, the lowest figure is the stage that limits the pipeline.
 */
export function rowsPerCpuSecond(
  result: Pick<BenchResult, 'rows' | 'e2e_cpu_seconds'>,
): Record<string, number> {
  const rates: Record<string, number> = {};
  for (const [name, seconds] of Object.entries(result.e2e_cpu_seconds))
    rates[name] = seconds > 0 ? Math.round(result.rows / seconds) : 0;
  return rates;
}

function profileRows(result: BenchResult): string[][] {
  const rates = rowsPerCpuSecond(result);
  const perMillion = cpuSecondsPerMillionRows(result);
  const cpu = Object.entries(result.e2e_cpu_seconds)
    .sort((left, right) => right[1] - left[1])
    .map(([name, seconds]) => [
      `cpu ${name}`,
      `${seconds.toFixed(1)} s (${result.e2e_seconds > 0 ? Math.round((seconds / result.e2e_seconds) * 100) : 0}% of one core), ${formatCount(rates[name] ?? 0)} rows per CPU-second, ${(perMillion[name] ?? 0).toFixed(1)} CPU-s per million rows`,
    ]);
  const batches = Object.entries(result.e2e_batch_seconds).map(([phase, timing]) => [
    `batch ${phase}`,
    `${timing.count} batches, ${timing.sum_seconds.toFixed(1)} s, mean ${timing.count > 0 ? ((timing.sum_seconds / timing.count) * 1000).toFixed(0) : '-'} ms, ${formatCount(rowsPerSecond(result.rows, timing.sum_seconds))} rows/s of batch time`,
  ]);
  return [...cpu, ...batches];
}

export function formatBenchReport(result: BenchResult, reference?: MemoryReference): string {
  const checks = evaluateTargets(result, reference);
  const machine = result.machine;
  const lines = [
    `QuperSync bench: ${formatCount(result.rows)} rows, ${result.loaders} loader(s), ${result.extractors ?? 1} extractor(s), started ${result.started_at}`,
    `machine: ${machine.cpus} CPUs (${machine.cpu_model}), ${formatCount(machine.memory_mb)} MB, ${machine.platform}, node ${machine.node}`,
    '',
    'Targets (DESIGN.md section 9):',
    formatTable(
      ['METRIC', 'VALUE', 'TARGET', 'RESULT'],
      checks.map((check) => [check.metric, check.value, check.target, check.outcome]),
    ),
    '',
    'Measurements:',
    formatTable(['MEASUREMENT', 'VALUE'], measurementRows(result)),
    '',
    'End-to-end profile (CPU time per process, batch durations per phase):',
    formatTable(['PROCESS / PHASE', 'VALUE'], profileRows(result)),
    '',
    summaryLine(checks),
  ];
  return `${lines.join('\n')}\n`;
}

export function summaryLine(checks: readonly TargetCheck[]): string {
  const failed = checks.filter((check) => check.outcome === 'FAIL').map((check) => check.metric);
  const open = checks.filter((check) => check.outcome === 'n/a').length;
  const note =
    open > 0 ? ` (${open} memory target(s) need a run at another size: --memory-reference FILE)` : '';
  return failed.length === 0
    ? `Every measured target is met${note}.`
    : `Targets missed: ${failed.join(', ')}${note}.`;
}
