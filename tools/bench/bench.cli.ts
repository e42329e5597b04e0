// `npm run bench`: measures DESIGN.md section 9 on this machine in one run. Starts its own stack
// in .qupersync/bench-stack (never the default or the test stack, so a concurrent `npm test` or
// demo is left alone), builds public.bench_rows in the warehouse, then: the raw COPY pipe
// baseline, a full end-to-end sync (checked row for row), an incremental run with nothing new, a
// full re-sync of unchanged rows (row versions written), the loader alone against a plain COPY,
// and each service's peak RSS. Exit 0 when the bench completed, whether or not every target was
// met; non-zero when it could not complete or the target did not match the source.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { z } from 'zod';
import { configureLogging } from '@qupersync/observability';
import { formatCount, formatDuration, formatProgress } from '../cli/cli.output';
import type { RunMode } from '../cli/cli.arguments';
import { CoordinatorClient, CoordinatorUnreachableError } from '../cli/coordinator.client';
import type { RunView } from '../cli/coordinator-api.schema';
import { waitForRunEnd } from '../cli/run.waiter';
import {
  downStack,
  readStackState,
  repositoryRoot,
  upStack,
  type StackEnvironment,
  type StackProcessRecord,
} from '../stack';
import { BenchUsageError, parseBenchArguments, type BenchOptions } from './bench.arguments';
import { cpuProfileSchema, formatProfileSummary, summarizeCpuProfile } from './cpu-profile.summary';
import {
  formatBenchReport,
  ratio,
  rowsPerCpuSecond,
  cpuSecondsPerMillionRows,
  rowsPerSecond,
  type BatchTiming,
  type BenchResult,
  type MemoryReference,
} from './bench.report';
import {
  benchJob,
  benchTable,
  benchUnloadJobs,
  createTableSql,
  fingerprintSql,
  insertRowsSql,
  renderBenchJobsFile,
  sortKeyIndexSql,
} from './bench.table';
import { measureCopyPipe } from './copy.baseline';
import { measureLoader } from './loader.benchmark';
import {
  clockTicksPerSecond,
  readBatchDurations,
  readCpuTicks,
  readPeakRssMegabytes,
  readProcessTreeTicks,
  resetPeakRss,
  subtractBatchDurations,
} from './process.sampler';

const stackDirectory = path.join(repositoryRoot, '.qupersync', 'bench-stack');
const jobsFile = path.join(stackDirectory, 'jobs.yaml');
/** A run whose counters do not move for this long is failed by the bench instead of awaited for ever. */
const stallTimeoutMs = 5 * 60_000;
/** Long enough for idle backends to flush their table statistics (PGSTAT_MIN_INTERVAL is 1 s). */
const statisticsFlushMs = 2_000;

const log = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};

/** The bench could not produce a trustworthy figure (a failed run, a data mismatch). */
class BenchAbort extends Error {}

interface Fingerprint {
  rows: string;
  digest: string;
}

interface TimedRun {
  run: RunView;
  seconds: number;
}

type UnloadFormat = 'csv' | 'parquet';

interface UnloadMeasurement {
  timed: TimedRun;
  cpuSeconds: Record<string, number>;
  /** Peak RSS per process during this run alone. */
  peakRssMb: Record<string, number>;
}

class BenchScenario {
  private environment: StackEnvironment | undefined;
  private coordinator: CoordinatorClient | undefined;
  /** Peaks read before a per-phase reset of VmHWM, kept for the whole bench's peak_rss_mb. */
  private readonly earlierPeakRss: Record<string, number> = {};

  constructor(private readonly options: BenchOptions) {}

  /**
   * The figures of every phase that has ended, so a bench that fails or is interrupted late (an
   * hour into 10M rows) still leaves what it measured in its --json file.
   */
  figures: Partial<BenchResult> = {};

  async run(): Promise<BenchResult> {
    const rows = this.options.rows;
    const startedAt = new Date().toISOString();
    await this.startStack();
    await this.waitForJob();

    await this.step(`build ${benchTable} in the warehouse (${formatCount(rows)} rows)`, () =>
      this.buildSource(rows),
    );

    const baseline = await this.step('baseline: raw COPY pipe warehouse -> target', async () => {
      const env = this.requireEnvironment();
      const timing = await measureCopyPipe(env.WAREHOUSE_DATABASE_URL, env.DATABASE_URL);
      if (timing.rows !== rows) throw new BenchAbort(`the baseline copied ${timing.rows} of ${rows} rows`);
      return timing;
    });
    log(`  ${formatCount(rowsPerSecond(rows, baseline.seconds))} rows/s (${baseline.seconds.toFixed(2)} s)`);
    const baselineRate = rowsPerSecond(rows, baseline.seconds);
    const baselineFigures = this.keep({
      rows,
      loaders: this.options.loaders,
      extractors: this.options.extractors,
      started_at: startedAt,
      machine: machineInfo(),
      baseline_copy_seconds: round(baseline.seconds),
      baseline_copy_rows_per_s: baselineRate,
    });

    await this.step('drop the target table and the job watermark', () => this.resetTarget());
    const cpuBefore = this.sampleCpu();
    const batchesBefore = await this.sampleBatchDurations();
    const e2e = await this.step('end-to-end: full run into an empty target', () =>
      this.timedRun('full', rows),
    );
    const cpuAfter = this.sampleCpu();
    const batchesAfter = await this.sampleBatchDurations();
    log(`  ${formatCount(rowsPerSecond(rows, e2e.seconds))} rows/s (${e2e.seconds.toFixed(2)} s)`);
    const cpuSeconds = cpuDelta(cpuBefore, cpuAfter);
    const e2eRate = rowsPerSecond(rows, e2e.seconds);
    const e2eFigures = this.keep({
      e2e_seconds: round(e2e.seconds),
      e2e_rows_per_s: e2eRate,
      e2e_ratio: ratio(e2eRate, baselineRate),
      e2e_scan_plan: e2e.run.scanPlan,
      e2e_rows_scanned: e2e.run.rowsScanned,
      e2e_cpu_seconds: cpuSeconds,
      stage_rows_per_cpu_s: rowsPerCpuSecond({ rows, e2e_cpu_seconds: cpuSeconds }),
      cpu_seconds_per_million_rows: cpuSecondsPerMillionRows({ rows, e2e_cpu_seconds: cpuSeconds }),
      e2e_batch_seconds: subtractBatchDurations(batchesAfter, batchesBefore),
    });
    await this.step('verify: target == source (count, md5 over all rows by id)', () => this.verifyTarget());
    const unload = this.options.extract === 'unload' ? await this.measureUnload(rows) : undefined;
    const unloadFigures = this.keep(
      unload === undefined
        ? {}
        : {
            unload_e2e_seconds: round(unload.csv.timed.seconds),
            unload_e2e_rows_per_s: rowsPerSecond(rows, unload.csv.timed.seconds),
            unload_e2e_ratio: ratio(rowsPerSecond(rows, unload.csv.timed.seconds), baselineRate),
            unload_scan_plan: unload.csv.timed.run.scanPlan,
            unload_cpu_seconds: unload.csv.cpuSeconds,
            unload_peak_rss_mb: unload.csv.peakRssMb,
            unload_parquet_e2e_seconds: round(unload.parquet.timed.seconds),
            unload_parquet_e2e_rows_per_s: rowsPerSecond(rows, unload.parquet.timed.seconds),
            unload_parquet_e2e_ratio: ratio(rowsPerSecond(rows, unload.parquet.timed.seconds), baselineRate),
            unload_parquet_scan_plan: unload.parquet.timed.run.scanPlan,
            unload_parquet_cpu_seconds: unload.parquet.cpuSeconds,
            unload_parquet_peak_rss_mb: unload.parquet.peakRssMb,
          },
    );

    const first = await this.step('incremental run 1 (sets the watermark, re-reads every row)', () =>
      this.timedRun('incremental', rows),
    );
    const noop = await this.step('incremental run 2 (nothing new)', () => this.timedRun('incremental', 0));
    log(`  ${noop.seconds.toFixed(2)} s`);
    const incrementalFigures = this.keep({
      incremental_first_seconds: round(first.seconds),
      incremental_first_scan_plan: first.run.scanPlan,
      incremental_first_rows_scanned: first.run.rowsScanned,
      incremental_noop_seconds: round(noop.seconds),
    });

    const resync = await this.step('full re-sync of unchanged rows', () => this.measureResync(rows));
    log(`  ${formatCount(resync.written)} row versions written (pg_stat ins+upd ${resync.statWrites})`);
    const resyncFigures = this.keep({
      resync_seconds: round(resync.seconds),
      resync_row_versions_written: resync.written,
      resync_pg_stat_writes: resync.statWrites,
    });

    const verification = this.keep(await this.measureVerify(rows));

    const loader = await this.step('loader alone vs plain COPY (target database)', async () => {
      const env = this.requireEnvironment();
      const timing = await measureLoader(env.WAREHOUSE_DATABASE_URL, env.DATABASE_URL, log);
      if (timing.rows !== rows) throw new BenchAbort(`the loader case read ${timing.rows} of ${rows} rows`);
      return timing;
    });

    this.keepPeakRss(this.peakRss());
    const loaderRate = rowsPerSecond(rows, loader.upsertSeconds);
    const loaderCopyRate = rowsPerSecond(rows, loader.copySeconds);
    return {
      ...baselineFigures,
      ...e2eFigures,
      loader_seconds: round(loader.upsertSeconds),
      loader_rows_per_s: loaderRate,
      loader_copy_seconds: round(loader.copySeconds),
      loader_copy_rows_per_s: loaderCopyRate,
      loader_ratio: ratio(loaderRate, loaderCopyRate),
      loader_update_seconds: round(loader.updateSeconds),
      loader_update_rows_per_s: rowsPerSecond(rows, loader.updateSeconds),
      loader_update_ratio: ratio(rowsPerSecond(rows, loader.updateSeconds), loaderCopyRate),
      ...unloadFigures,
      ...incrementalFigures,
      ...resyncFigures,
      peak_rss_mb: { ...this.earlierPeakRss },
      ...verification,
    };
  }

  /** Adds a phase's figures to `figures` and gives them back. */
  private keep<Figures extends Partial<BenchResult>>(phase: Figures): Figures {
    this.figures = { ...this.figures, ...phase };
    return phase;
  }

  async stop(): Promise<void> {
    const stopped = await downStack(stackDirectory);
    log(stopped.length > 0 ? `stopped ${stopped.join(', ')}` : 'nothing was running');
  }

  private async step<Result>(name: string, action: () => Promise<Result>): Promise<Result> {
    const started = Date.now();
    log(`${name} ...`);
    const result = await action();
    log(`✓ ${name} (${formatDuration(Date.now() - started)})`);
    return result;
  }

  private async startStack(): Promise<void> {
    fs.mkdirSync(stackDirectory, { recursive: true });
    fs.writeFileSync(jobsFile, renderBenchJobsFile());
    await this.step(`start the bench stack in ${path.relative(repositoryRoot, stackDirectory)}`, async () => {
      const { state, alreadyUp } = await upStack({
        directory: stackDirectory,
        loaders: this.options.loaders,
        extractors: this.options.extractors,
        jobsFile,
        services: true,
        // The services' info lines per batch cost CPU on a 2-core machine; LOG_LEVEL=info when profiling.
        logLevel: process.env.LOG_LEVEL ?? 'warn',
        log: (line) => log(`[stack] ${line}`),
        ...(this.options.cpuProfileDirectory === undefined
          ? {}
          : { cpuProfileDirectory: path.resolve(this.options.cpuProfileDirectory) }),
      });
      this.environment = state.environment;
      const url = state.environment.COORDINATOR_URL;
      if (url === undefined) throw new BenchAbort('the bench stack started without a coordinator');
      this.coordinator = new CoordinatorClient({
        baseUrl: url,
        apiToken: state.environment.COORDINATOR_API_TOKEN,
      });
      if (alreadyUp) log('  a bench stack of the same shape was already running (--keep): reusing it');
    });
  }

  private async waitForJob(): Promise<void> {
    const coordinator = this.requireCoordinator();
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const job = (await coordinator.listJobs()).find((candidate) => candidate.name === benchJob);
        if (job === undefined)
          throw new BenchAbort(`the coordinator has no job ${benchJob} (jobs file ${jobsFile})`);
        if (job.activeRunId !== null) await this.cancelLeftoverRun(job.activeRunId);
        return;
      } catch (error) {
        // The coordinator may still be binding its port right after `up`.
        if (!(error instanceof CoordinatorUnreachableError) || Date.now() > deadline) throw error;
        await sleep(500);
      }
    }
  }

  /**
   * The state database outlives the bench stack, so a bench stopped mid-run (Ctrl-C, kill) leaves
   * its run active, and every later trigger would join it. The bench stack runs nothing else.
   */
  private async cancelLeftoverRun(runId: string): Promise<void> {
    const coordinator = this.requireCoordinator();
    log(`  ${benchJob} has run ${runId} still active from an earlier bench that was stopped: cancelling it`);
    await coordinator.cancelRun(runId);
    const ended = await waitForRunEnd(coordinator, runId, { pollIntervalMs: 250, timeoutMs: 120_000 });
    log(`  run ${runId} ${ended.status}`);
  }

  private async buildSource(rows: number): Promise<void> {
    await this.withDatabase('warehouse', async (client) => {
      await client.query(createTableSql(benchTable, { primaryKey: false }));
      await client.query(insertRowsSql(rows));
      await client.query(sortKeyIndexSql(benchTable));
      // Hint bits and the visibility map set now, not on the first measured read.
      await client.query(`VACUUM (ANALYZE) ${benchTable}`);
    });
  }

  /** The same full run into an empty target through UNLOAD to the stack's S3, verified the same way. */
  /** One full run through UNLOAD per file format, each into an empty target and checked by md5. */
  private async measureUnload(rows: number): Promise<Record<UnloadFormat, UnloadMeasurement>> {
    const measured: Partial<Record<UnloadFormat, UnloadMeasurement>> = {};
    for (const format of ['csv', 'parquet'] as const) {
      await this.step(`drop the target table (for the UNLOAD ${format} run)`, () => this.resetTarget());
      // This run's own peak RSS per process; the whole bench's peak keeps what came before.
      this.keepPeakRss(this.peakRss());
      for (const record of this.serviceRecords()) if (record.kind === 'service') resetPeakRss(record.pid);
      const before = this.sampleCpu();
      const timed = await this.step(
        `end-to-end through UNLOAD (${format}): full run into an empty target`,
        () => this.timedRun('full', rows, benchUnloadJobs[format]),
      );
      const after = this.sampleCpu();
      const peakRssMb = this.peakRss();
      this.keepPeakRss(peakRssMb);
      log(`  ${formatCount(rowsPerSecond(rows, timed.seconds))} rows/s (${timed.seconds.toFixed(2)} s)`);
      await this.step(`verify the UNLOAD ${format} run: target == source`, () => this.verifyTarget());
      measured[format] = { timed, cpuSeconds: cpuDelta(before, after), peakRssMb };
    }
    const { csv, parquet } = measured;
    if (csv === undefined || parquet === undefined) throw new BenchAbort('an UNLOAD run was not measured');
    return { csv, parquet };
  }

  /** Peak RSS seen before a reset, so the bench's overall peaks survive per-phase windows. */
  private keepPeakRss(peaks: Record<string, number>): void {
    for (const [name, megabytes] of Object.entries(peaks))
      this.earlierPeakRss[name] = Math.max(this.earlierPeakRss[name] ?? 0, megabytes);
  }

  private async resetTarget(): Promise<void> {
    await this.withDatabase('target', async (client) => {
      await client.query(`DROP TABLE IF EXISTS ${benchTable}`);
      // The state database outlives `down`: an old watermark would make incremental run 1 read nothing.
      await client.query(`DELETE FROM qupersync_state WHERE job = $1 AND kind = 'watermark'`, [benchJob]);
      await client.query('CHECKPOINT');
    });
  }

  /** Trigger to succeeded, on the bench's clock; anything but a clean run aborts the bench. */
  private async timedRun(mode: RunMode, expectedRows: number, job: string = benchJob): Promise<TimedRun> {
    const coordinator = this.requireCoordinator();
    const started = process.hrtime.bigint();
    const accepted = await coordinator.triggerRun(job, {
      mode,
      requestKey: `bench-${mode}-${Date.now()}`,
    });
    if (accepted.coalesced)
      throw new BenchAbort(`the trigger joined an already active run ${accepted.runId}`);
    let lastCounters = '';
    let lastChange = Date.now();
    let lastLog = Date.now();
    const run = await waitForRunEnd(coordinator, accepted.runId, {
      // Short polls: the no-op incremental run is measured in tenths of a second.
      pollIntervalMs: 50,
      onProgress: (view, elapsedMs) => {
        const now = Date.now();
        const counters = [view.status, view.rowsExtracted, view.rowsLoaded, view.batchesLoaded].join('/');
        if (counters !== lastCounters) {
          lastCounters = counters;
          lastChange = now;
        } else if (now - lastChange > stallTimeoutMs) {
          throw new BenchAbort(
            `run ${view.runId} made no progress for ${formatDuration(stallTimeoutMs)}; see ${path.join(stackDirectory, 'logs')}`,
          );
        }
        if (now - lastLog >= 5000) {
          lastLog = now;
          log(`  ${formatProgress(view, elapsedMs)}`);
        }
      },
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const problems: string[] = [];
    if (run.status !== 'succeeded')
      problems.push(`status ${run.status}${run.error === null ? '' : ` (${run.error})`}`);
    if (run.rowsExtracted !== expectedRows)
      problems.push(`extracted ${run.rowsExtracted} of ${expectedRows} rows`);
    if (run.rowsLoaded !== expectedRows) problems.push(`loaded ${run.rowsLoaded} of ${expectedRows} rows`);
    if (run.rowsDeadLettered !== 0) problems.push(`${run.rowsDeadLettered} rows dead-lettered`);
    if (run.failedBatches !== 0) problems.push(`${run.failedBatches} failed batches`);
    if (problems.length > 0) throw new BenchAbort(`${mode} run ${run.runId}: ${problems.join('; ')}`);
    log(
      `  run ${run.runId} ${run.status}: ${formatCount(run.rowsLoaded)} rows, ${run.batches ?? '?'} batches, ` +
        `${run.scanPlan ?? 'no scan plan'}, ${run.rowsScanned === null ? '?' : formatCount(run.rowsScanned)} rows scanned`,
    );
    return { run, seconds };
  }

  private async verifyTarget(): Promise<void> {
    const [source, target] = await Promise.all([
      this.withDatabase('warehouse', (client) => fingerprint(client)),
      this.withDatabase('target', (client) => fingerprint(client)),
    ]);
    if (source.rows !== target.rows || source.digest !== target.digest)
      throw new BenchAbort(
        `DATA MISMATCH: source ${source.rows} rows md5 ${source.digest}, target ${target.rows} rows md5 ${target.digest}`,
      );
    log(`  ${formatCount(Number(source.rows))} rows, md5 ${source.digest} on both sides`);
  }

  /**
   * `qupersync verify` on the synced table (issue 15): equal, then after 1 % of the target's rows
   * were deleted, 0.1 % changed and 500 added behind QuperSync's back (the counts must come out
   * exactly), then `--repair`, which must leave the target md5-equal to the source.
   */
  private async measureVerify(rows: number): Promise<Partial<BenchResult>> {
    const coordinator = this.requireCoordinator();
    const timed = async <Result>(
      work: () => Promise<Result>,
    ): Promise<{ result: Result; seconds: number }> => {
      const started = process.hrtime.bigint();
      const result = await work();
      return { result, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
    };
    const equal = await this.step('verify: an equal table', () =>
      timed(() => coordinator.verify(benchJob, false)),
    );
    if (!equal.result.equal)
      throw new BenchAbort(`verify found the synced table unequal: ${JSON.stringify(equal.result)}`);
    log(`  ${equal.seconds.toFixed(2)} s, ${equal.result.statements} statements`);
    const expected = await this.withDatabase('target', async (client) => {
      const deleted = await client.query(`DELETE FROM ${benchTable} WHERE id % 100 = 7`);
      const changed = await client.query(
        `UPDATE ${benchTable} SET quantity = quantity + 1 WHERE id % 1000 = 3`,
      );
      await client.query(
        `INSERT INTO ${benchTable} (id, updated_at) SELECT ${rows} + g, now() FROM generate_series(1, 500) g`,
      );
      return { missing: deleted.rowCount ?? 0, different: changed.rowCount ?? 0, extra: 500 };
    });
    const differs = await this.step(
      `verify: ${formatCount(expected.missing)} rows deleted, ${formatCount(expected.different)} changed, 500 added`,
      () => timed(() => coordinator.verify(benchJob, false)),
    );
    const found = {
      missing: differs.result.missing,
      extra: differs.result.extra,
      different: differs.result.different,
    };
    if (
      JSON.stringify(found) !==
      JSON.stringify({ missing: expected.missing, extra: expected.extra, different: expected.different })
    )
      throw new BenchAbort(`verify counted ${JSON.stringify(found)}, expected ${JSON.stringify(expected)}`);
    log(
      `  ${differs.seconds.toFixed(2)} s, ${formatCount(differs.result.rowsCompared)} rows compared in ${differs.result.statements} statements`,
    );
    // One repair takes at most 100,000 keys of each kind and says so; above that (10,000,000
    // rows here) it is run again for the rest, as a user would.
    const repaired = await this.step('verify --repair', async () => {
      let seconds = 0;
      for (let pass = 1; ; pass += 1) {
        const one = await timed(() => coordinator.verify(benchJob, true));
        seconds += one.seconds;
        const again = (one.result.repair?.keysLeft ?? 0) > 0;
        if (one.result.equal || !again || pass >= 5) return { result: one.result, seconds, passes: pass };
        log(`  pass ${pass}: ${one.result.repair?.stoppedBecause ?? ''}`);
      }
    });
    if (!repaired.result.equal)
      throw new BenchAbort(`verify --repair left differences: ${JSON.stringify(repaired.result)}`);
    log(`  ${repaired.seconds.toFixed(2)} s in ${repaired.passes} pass(es)`);
    await this.step('verify the repair: target == source (count, md5 over all rows by id)', () =>
      this.verifyTarget(),
    );
    return {
      verify_equal_seconds: round(equal.seconds),
      verify_equal_statements: equal.result.statements,
      verify_differences_seconds: round(differs.seconds),
      verify_differences: found,
      verify_differences_rows_compared: differs.result.rowsCompared,
      verify_differences_statements: differs.result.statements,
      verify_repair_seconds: round(repaired.seconds),
      verify_repair_passes: repaired.passes,
    };
  }

  /**
   * Row versions a full re-sync writes, counted exactly through xmin: every INSERT or UPDATE
   * stamps the new row version with its transaction id, while a row that ON CONFLICT ... WHERE
   * leaves alone keeps its old xmin (it is locked, which sets xmax, not rewritten). Live rows
   * whose xmin lies between an xid taken just before the run and one taken just after it are
   * therefore rows the run wrote; 0 means no row versions. (A row rewritten twice counts once,
   * which cannot turn a non-zero answer into 0.) The pg_stat counters are a second opinion only:
   * backends flush them lazily, so they are read after a pause.
   */
  private async measureResync(
    rows: number,
  ): Promise<{ seconds: number; written: number; statWrites: number }> {
    return this.withDatabase('target', async (client) => {
      const [table, schema] = ['bench_rows', 'public'];
      const statWrites = async (): Promise<number> => {
        await client.query('SELECT pg_stat_clear_snapshot()');
        const result = await client.query<{ writes: string }>(
          `SELECT (n_tup_ins + n_tup_upd)::text AS writes FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = $2`,
          [schema, table],
        );
        return Number(result.rows[0]?.writes ?? 0);
      };
      const currentXid = async (): Promise<bigint> => {
        const result = await client.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
        return BigInt(result.rows[0]?.xid ?? '0');
      };
      await sleep(statisticsFlushMs);
      const statsBefore = await statWrites();
      const before = await currentXid();
      const { seconds } = await this.timedRun('full', rows);
      const after = await currentXid();
      const wrap = 1n << 32n;
      // xmin is the 32-bit xid; the modular distance from `before` survives one wraparound.
      const counted = await client.query<{ written: string }>(
        `SELECT count(*)::text AS written FROM ${benchTable}
          WHERE (xmin::text::bigint - $1::bigint + 4294967296) % 4294967296
                BETWEEN 1 AND ($2::bigint - $1::bigint + 4294967296) % 4294967296`,
        [(before % wrap).toString(), (after % wrap).toString()],
      );
      await sleep(statisticsFlushMs);
      const statsAfter = await statWrites();
      return {
        seconds,
        written: Number(counted.rows[0]?.written ?? -1),
        statWrites: statsAfter - statsBefore,
      };
    });
  }

  private serviceRecords(): StackProcessRecord[] {
    return readStackState(stackDirectory)?.processes ?? [];
  }

  /** CPU ticks per process: services, Kafka, and PostgreSQL with all its backends. */
  private sampleCpu(): Record<string, number> {
    const ticks: Record<string, number> = {};
    for (const record of this.serviceRecords()) {
      const value =
        record.kind === 'postgres'
          ? readProcessTreeTicks(record.pid)
          : (() => {
              const own = readCpuTicks(record.pid);
              return own === null ? null : own.own;
            })();
      if (value !== null) ticks[record.name] = value;
    }
    return ticks;
  }

  private async sampleBatchDurations(): Promise<Record<string, BatchTiming>> {
    const services = this.serviceRecords().filter((record) => record.kind === 'service');
    const all = await Promise.all(services.map((record) => readBatchDurations(record.port)));
    const merged: Record<string, BatchTiming> = {};
    for (const timings of all)
      for (const [phase, timing] of Object.entries(timings)) {
        const into = (merged[phase] ??= { count: 0, sum_seconds: 0 });
        into.count += timing.count;
        into.sum_seconds += timing.sum_seconds;
      }
    return merged;
  }

  /** The peaks so far, of the services still running and of those seen before (after a failure). */
  peakRssSoFar(): Record<string, number> {
    const peaks = { ...this.earlierPeakRss };
    for (const [name, megabytes] of Object.entries(this.peakRss({ requireRunning: false })))
      peaks[name] = Math.max(peaks[name] ?? 0, megabytes);
    return peaks;
  }

  /** Each service's peak RSS; a phase's figures need every service alive, a failure's do not. */
  private peakRss({ requireRunning } = { requireRunning: true }): Record<string, number> {
    const peaks: Record<string, number> = {};
    for (const record of this.serviceRecords()) {
      if (record.kind !== 'service') continue;
      const megabytes = readPeakRssMegabytes(record.pid);
      if (megabytes !== null) peaks[record.name] = megabytes;
      else if (requireRunning)
        throw new BenchAbort(`${record.name} (pid ${record.pid}) is no longer running`);
    }
    return peaks;
  }

  private async withDatabase<Result>(
    which: 'warehouse' | 'target',
    work: (client: Client) => Promise<Result>,
  ): Promise<Result> {
    const environment = this.requireEnvironment();
    const client = new Client({
      connectionString: which === 'warehouse' ? environment.WAREHOUSE_DATABASE_URL : environment.DATABASE_URL,
      application_name: 'qupersync-bench',
    });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  private requireEnvironment(): StackEnvironment {
    if (this.environment === undefined) throw new Error('the bench stack is not started');
    return this.environment;
  }

  private requireCoordinator(): CoordinatorClient {
    if (this.coordinator === undefined) throw new Error('the bench stack is not started');
    return this.coordinator;
  }
}

async function fingerprint(client: Client): Promise<Fingerprint> {
  const result = await client.query<Fingerprint>(fingerprintSql(benchTable));
  const row = result.rows[0];
  if (row === undefined) throw new Error('the fingerprint query returned no row');
  return row;
}

function machineInfo(): BenchResult['machine'] {
  return {
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model.trim() ?? 'unknown',
    memory_mb: Math.round(os.totalmem() / 1024 / 1024),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
  };
}

const memoryReferenceSchema = z.object({
  rows: z.number().int().positive(),
  peak_rss_mb: z.record(z.number()),
});

function readMemoryReference(file: string | undefined): MemoryReference | undefined {
  if (file === undefined) return undefined;
  return memoryReferenceSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
}

/** CPU seconds each process spent between two samples of clock ticks. */
function cpuDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const ticks = clockTicksPerSecond();
  const seconds: Record<string, number> = {};
  for (const [name, end] of Object.entries(after)) {
    const start = before[name];
    if (start !== undefined) seconds[name] = Math.round(((end - start) / ticks) * 10) / 10;
  }
  return seconds;
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

async function main(argv: readonly string[]): Promise<number> {
  let options: BenchOptions;
  let reference: MemoryReference | undefined;
  try {
    options = parseBenchArguments(argv);
    reference = readMemoryReference(options.memoryReferenceFile);
  } catch (error) {
    if (error instanceof BenchUsageError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  // The loader's classes log through the shared JSON logger; their per-table info lines are noise here.
  configureLogging({ service: 'bench', level: 'warn' });
  const scenario = new BenchScenario(options);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= scenario.stop().catch((error: unknown) => log(`stop failed: ${String(error)}`)));
  // What was measured before a failure or an interrupt, marked so no one reads it as a whole bench.
  const writePartialFigures = (failed: string): void => {
    if (options.jsonFile === undefined) return;
    // Never throws: a file that cannot be written must not keep the stack from being stopped.
    try {
      const partial = { failed, ...scenario.figures, peak_rss_mb: scenario.peakRssSoFar() };
      fs.writeFileSync(options.jsonFile, `${JSON.stringify(partial, null, 2)}\n`);
      process.stderr.write(`[bench] wrote the figures measured so far to ${options.jsonFile}\n`);
    } catch (error) {
      log(`could not write the figures measured so far to ${options.jsonFile}: ${String(error)}`);
    }
  };
  let interrupted = false;
  const onSignal = (): void => {
    log('interrupted: stopping the bench stack');
    // The run then fails on the stopped stack; its error is not why the bench ended.
    interrupted = true;
    writePartialFigures('interrupted');
    void (options.keep ? Promise.resolve() : stop()).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let result: BenchResult;
  try {
    result = await scenario.run();
  } catch (error) {
    const message =
      error instanceof Error
        ? error instanceof BenchAbort
          ? error.message
          : (error.stack ?? error.message)
        : String(error);
    process.stderr.write(`\n[bench] FAILED: ${message}\n`);
    if (!interrupted) writePartialFigures(message);
    if (!options.keep) await stop();
    else log(`the bench stack is still running (--keep): ${path.join(stackDirectory, 'stack.env')}`);
    return 1;
  }
  if (!options.keep) await stop();
  else log(`the bench stack is still running (--keep): ${path.join(stackDirectory, 'stack.env')}`);

  process.stdout.write(`\n${formatBenchReport(result, reference)}`);
  if (options.cpuProfileDirectory !== undefined)
    writeProfileSummaries(options.cpuProfileDirectory, options.keep);
  if (options.jsonFile !== undefined) {
    fs.writeFileSync(options.jsonFile, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`\nwrote ${options.jsonFile}\n`);
  }
  return 0;
}

/** Summarizes the services' CPU profiles (written as they stopped) into DIR/summary.txt. */
function writeProfileSummaries(directory: string, keep: boolean): void {
  if (keep) {
    log(`CPU profiles are written when the services stop: npm run stack -- down, then read ${directory}`);
    return;
  }
  const files = fs.existsSync(directory)
    ? fs.readdirSync(directory).filter((name) => name.endsWith('.cpuprofile'))
    : [];
  const blocks = files.map((name) =>
    formatProfileSummary(
      summarizeCpuProfile(
        cpuProfileSchema.parse(JSON.parse(fs.readFileSync(path.join(directory, name), 'utf8'))),
      ),
    ),
  );
  const text = `CPU profiles of the whole bench (every phase), one per service:\n\n${blocks.join('\n')}`;
  fs.writeFileSync(path.join(directory, 'summary.txt'), text);
  process.stdout.write(`\n${text}\nwrote ${path.join(directory, 'summary.txt')}\n`);
}

main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    process.stderr.write(
      `[bench] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  });
