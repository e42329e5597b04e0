// Renders coordinator API answers for people (aligned tables, one line of progress) and for
// scripts (JSON). Pure functions: the CLI decides where the text goes.
import {
  toRunSummary,
  type DeadLetterView,
  type FailureView,
  type JobView,
  type JobsReloadView,
  type PipelineStatusView,
  type RunView,
} from './coordinator-api.schema';

/** A plain-text table: a header row, a dashed rule, left-aligned columns two spaces apart. */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** 850 ms, 12.3 s, 4 min 05 s: precise when short, readable when long. */
export function formatDuration(milliseconds: number | null): string {
  if (milliseconds === null) return '-';
  if (milliseconds < 1000) return `${Math.round(milliseconds)} ms`;
  if (milliseconds < 60_000) return `${(milliseconds / 1000).toFixed(1)} s`;
  const seconds = Math.round(milliseconds / 1000);
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

/** 1234567 -> 1,234,567 (fixed grouping, whatever the machine's locale). */
export function formatCount(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function formatJobs(jobs: readonly JobView[]): string {
  if (jobs.length === 0) return 'no jobs are defined (check QUPERSYNC_JOBS_FILE)\n';
  const rows = jobs.map((job) => [
    job.name,
    job.mode,
    job.sourceTable ?? '(sql)',
    job.targetTable,
    job.schedule ?? '-',
    job.watermark ?? '-',
    job.activeRunId ?? '-',
  ]);
  return `${formatTable(['JOB', 'MODE', 'SOURCE', 'TARGET', 'SCHEDULE', 'WATERMARK', 'ACTIVE RUN'], rows)}\n`;
}

export function formatBatches(run: Pick<RunView, 'batches' | 'batchesLoaded'>): string {
  return `${run.batchesLoaded}/${run.batches === null ? '?' : run.batches}`;
}

export function formatRuns(runs: readonly RunView[]): string {
  if (runs.length === 0) return 'no runs\n';
  const rows = runs.map((run) => [
    run.runId,
    run.job,
    run.mode,
    run.status,
    formatCount(run.rowsExtracted),
    formatCount(run.rowsLoaded),
    formatCount(run.rowsInvalid),
    formatCount(run.rowsRejected),
    formatCount(run.rowsStale),
    formatBatches(run),
    String(run.failedBatches),
    formatDuration(run.durationMs),
    run.createdAt,
  ]);
  const headers = [
    'RUN',
    'JOB',
    'MODE',
    'STATUS',
    'EXTRACTED',
    'LOADED',
    'INVALID',
    'REJECTED',
    'STALE',
    'BATCHES',
    'FAILED',
    'DURATION',
    'CREATED',
  ];
  return `${formatTable(headers, rows)}\n`;
}

export function formatRun(run: RunView): string {
  const fields: Array<[string, string]> = [
    ['run', run.runId],
    ['job', run.job],
    ['mode', run.mode],
    ['status', run.status],
    ['request key', run.requestKey ?? '-'],
    ['rows extracted', formatCount(run.rowsExtracted)],
    ['rows loaded', formatCount(run.rowsLoaded)],
    ['rows invalid', formatCount(run.rowsInvalid)],
    ['rows rejected', formatCount(run.rowsRejected)],
    ['rows stale', formatCount(run.rowsStale)],
    ['batches loaded', formatBatches(run)],
    ['failed batches', String(run.failedBatches)],
    ['duration', formatDuration(run.durationMs)],
    ['scan plan', run.scanPlan ?? '-'],
    ['rows scanned', run.rowsScanned === null ? '-' : formatCount(run.rowsScanned)],
    ['created', run.createdAt],
    ['finished', run.finishedAt ?? '-'],
  ];
  if (run.error !== null) fields.push(['error', run.error]);
  for (const warning of run.warnings) fields.push(['warning', warning]);
  const width = Math.max(...fields.map(([label]) => label.length));
  return fields.map(([label, value]) => `${`${label}:`.padEnd(width + 2)}${value}\n`).join('');
}

export function formatRunJson(run: RunView): string {
  return formatJson(toRunSummary(run));
}

export function formatFailures(failures: readonly FailureView[]): string {
  if (failures.length === 0) return 'no failures recorded\n';
  const rows = failures.map((failure) => [
    failure.recordedAt,
    failure.job,
    failure.runId ?? '-',
    failure.sequence === null ? '-' : String(failure.sequence),
    failure.topic === null ? '-' : `${failure.topic}/${failure.partition ?? '?'}@${failure.offset ?? '?'}`,
    failure.errorCode ?? '-',
    oneLine(failure.error ?? '-'),
  ]);
  return `${formatTable(['RECORDED', 'JOB', 'RUN', 'BATCH', 'TOPIC/PARTITION@OFFSET', 'CODE', 'ERROR'], rows)}\n`;
}

export function formatDeadLetters(letters: readonly DeadLetterView[]): string {
  if (letters.length === 0) return 'no dead letters\n';
  const rows = letters.map((letter) => [
    letter.occurredAt,
    letter.job ?? '-',
    letter.runId ?? '-',
    letter.sequence === null ? '-' : String(letter.sequence),
    letter.stage,
    letter.errorCode,
    oneLine(letter.rowKey ?? '-'),
    oneLine(letter.reason),
    letter.replayedAt ?? '-',
  ]);
  return `${formatTable(['OCCURRED', 'JOB', 'RUN', 'BATCH', 'STAGE', 'CODE', 'KEY', 'REASON', 'REPLAYED'], rows)}\n`;
}

/** What `jobs reload` changed, one line per kind. */
export function formatJobsReload(reload: JobsReloadView): string {
  const list = (names: readonly string[]): string => (names.length === 0 ? '-' : names.join(', '));
  return [
    `jobs file reloaded: ${reload.added.length} added, ${reload.changed.length} changed, ${reload.removed.length} removed, ${reload.unchanged.length} unchanged`,
    `  added:     ${list(reload.added)}`,
    `  changed:   ${list(reload.changed)}`,
    `  removed:   ${list(reload.removed)}`,
    ...(reload.runsFinishing.length > 0
      ? [`  runs of removed jobs finishing: ${list(reload.runsFinishing)}`]
      : []),
    ...(reload.runsCancelled.length > 0
      ? [`  runs of removed jobs cancelled: ${list(reload.runsCancelled)}`]
      : []),
    '',
  ].join('\n');
}

export function formatStatus(status: PipelineStatusView): string {
  const services = status.services.map((service) => [
    service.service,
    service.up ? 'up' : 'DOWN',
    String(service.members),
    service.state,
    formatCount(service.lag),
  ]);
  const jobs = status.jobs.map((job) => [
    job.job,
    job.activeRunId ?? '-',
    job.lastRun?.runId ?? '-',
    job.lastRun?.status ?? '-',
    job.lastRun === null ? '-' : formatCount(job.lastRun.rowsLoaded),
    job.lastRun?.finishedAt ?? '-',
  ]);
  return [
    formatTable(['SERVICE', 'UP', 'MEMBERS', 'GROUP STATE', 'CONSUMER LAG'], services),
    '',
    status.jobs.length === 0
      ? 'no jobs are defined'
      : formatTable(['JOB', 'ACTIVE RUN', 'LAST RUN', 'STATUS', 'ROWS LOADED', 'FINISHED'], jobs),
    '',
    status.healthy
      ? 'every service is up'
      : `down: ${status.services
          .filter((service) => !service.up)
          .map((service) => service.service)
          .join(', ')}`,
    '',
  ].join('\n');
}

/** One progress line while waiting: "run 1f2e… loading  batches 3/20  rows 15,000 extracted, 10,000 loaded". */
export function formatProgress(run: RunView, elapsedMs: number): string {
  const parts = [
    `run ${run.runId} ${run.status}`,
    `batches ${formatBatches(run)}`,
    `rows ${formatCount(run.rowsExtracted)} extracted, ${formatCount(run.rowsLoaded)} loaded`,
  ];
  if (run.rowsInvalid > 0) parts.push(`${formatCount(run.rowsInvalid)} invalid`);
  if (run.rowsRejected > 0) parts.push(`${formatCount(run.rowsRejected)} rejected`);
  if (run.rowsDeleted > 0) parts.push(`${formatCount(run.rowsDeleted)} deleted`);
  if (run.failedBatches > 0) parts.push(`${run.failedBatches} failed batches`);
  parts.push(formatDuration(elapsedMs));
  return parts.join('  ');
}

/** The closing line of `trigger --wait` for people. */
export function formatRunOutcome(run: RunView): string {
  const rows =
    `${formatCount(run.rowsExtracted)} rows extracted, ${formatCount(run.rowsLoaded)} loaded, ` +
    `${formatCount(run.rowsInvalid)} invalid, ${formatCount(run.rowsRejected)} rejected` +
    (run.rowsStale > 0 ? `, ${formatCount(run.rowsStale)} stale` : '') +
    (run.rowsDeleted > 0 ? `, ${formatCount(run.rowsDeleted)} deleted` : '');
  const batches = `${formatBatches(run)} batches, ${run.failedBatches} failed`;
  const outcome = `run ${run.runId} of ${run.job} ${run.status} in ${formatDuration(run.durationMs)}: ${rows}; ${batches}`;
  const warnings = run.warnings.map((warning) => `warning: ${warning}\n`).join('');
  return run.error === null ? `${outcome}\n${warnings}` : `${outcome}\nerror: ${run.error}\n${warnings}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
