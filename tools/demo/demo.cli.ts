// `npm run demo`: proves the whole pipeline on this machine. Starts the local stack with the demo
// job, builds a warehouse table of awkward values, syncs it, checks the target row for row, changes
// ~1% of the rows plus 1,000 new ones, syncs incrementally and checks again. Exit code 0 only if
// every check passed; the stack is stopped at the end (also on failure) unless --keep.
import * as path from 'node:path';
import { Client } from 'pg';
import { formatCount, formatDuration, formatProgress, formatRuns } from '../cli/cli.output';
import { CoordinatorClient, CoordinatorUnreachableError } from '../cli/coordinator.client';
import type { RunView } from '../cli/coordinator-api.schema';
import { waitForRunEnd } from '../cli/run.waiter';
import { defaultStackDirectory, downStack, repositoryRoot, upStack, type StackEnvironment } from '../stack';
import { DemoUsageError, parseDemoArguments, type DemoOptions } from './demo.arguments';
import { DemoReport } from './demo.report';
import {
  columnTypesSql,
  createWarehouseTableSql,
  demoColumns,
  demoTable,
  fingerprintSql,
  insertedRowCount,
  insertInitialRowsSql,
  insertNewRowsSql,
  updateSomeRowsSql,
} from './demo.sql';

const demoJob = 'demo_orders';
const demoJobsFile = path.join(repositoryRoot, 'config', 'demo-jobs.yaml');
const batchSize = 5000;
/** A run whose counters do not move for this long is reported as stalled instead of waited on for ever. */
const stallTimeoutMs = 3 * 60_000;

const log = (line: string): void => {
  process.stderr.write(`[demo] ${line}\n`);
};

/** A step that could not be carried out (as opposed to a check that found a difference). */
class DemoAbort extends Error {}

interface Fingerprint {
  rows: string;
  digest: string;
}

class DemoScenario {
  readonly runs: RunView[] = [];
  private readonly report = new DemoReport(log);
  private environment: StackEnvironment | undefined;
  private coordinator: CoordinatorClient | undefined;
  private stopping: Promise<void> | undefined;
  private interrupted = false;
  private readonly stackDirectory: string;

  constructor(private readonly options: DemoOptions) {
    this.stackDirectory = path.resolve(options.stackDirectory ?? defaultStackDirectory);
  }

  /** Ctrl-C: the step in progress ends at its next poll and the normal clean-up runs once. */
  interrupt(): void {
    this.interrupted = true;
  }

  get passed(): boolean {
    return this.report.passed;
  }

  formatReport(): string {
    return this.report.format();
  }

  /** Runs a step; its result text goes to the report. A thrown error fails it and aborts the demo. */
  async step(
    name: string,
    action: () => Promise<string>,
    options: { evenIfInterrupted?: boolean } = {},
  ): Promise<void> {
    if (this.interrupted && options.evenIfInterrupted !== true) throw new DemoAbort('interrupted');
    const started = Date.now();
    log(`${name} ...`);
    try {
      const detail = await action();
      this.report.record({ name, outcome: 'ok', durationMs: Date.now() - started, detail });
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      this.report.record({
        name,
        outcome: 'FAILED',
        durationMs: Date.now() - started,
        detail: oneLine(detail),
      });
      throw new DemoAbort(detail);
    }
  }

  /** A check: a failure is recorded and the demo goes on, so one run shows every difference. */
  async check(
    name: string,
    action: () => Promise<{ passed: boolean; detail: string; note?: boolean }>,
  ): Promise<void> {
    const started = Date.now();
    try {
      const result = await action();
      const outcome = result.passed ? (result.note === true ? 'note' : 'ok') : 'FAILED';
      this.report.record({ name, outcome, durationMs: Date.now() - started, detail: result.detail });
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      this.report.record({
        name,
        outcome: 'FAILED',
        durationMs: Date.now() - started,
        detail: oneLine(detail),
      });
    }
  }

  async run(): Promise<void> {
    const rows = this.options.rows;
    await this.step('start the local stack (demo jobs file)', () => this.startStack());
    await this.step(`wait for the coordinator to list ${demoJob}`, () => this.waitForJob());
    await this.step(`create ${demoTable} in the warehouse (${formatCount(rows)} rows)`, () =>
      this.createSource(rows),
    );
    await this.step('drop the target table and reset the demo watermark', () => this.resetTarget());

    const first = await this.syncRun('run 1: first sync (incremental from nothing)');
    await this.checkRun(first, rows, 'run 1');
    await this.compare('run 1: target == source (count, md5 over all rows)');
    await this.check('run 1: target column types', () => this.compareColumnTypes());

    let changed = 0;
    await this.step(`change ~1% of the rows and insert ${formatCount(insertedRowCount)}`, async () => {
      changed = await this.changeSource(rows);
      return `${formatCount(changed - insertedRowCount)} updated, ${formatCount(insertedRowCount)} inserted`;
    });
    const second = await this.syncRun('run 2: incremental sync of the changes');
    await this.checkRun(second, changed, 'run 2');
    await this.compare('run 2: target == source (count, md5 over all rows)');
  }

  /** Idempotent: a signal and the normal end may both ask. */
  stop(): Promise<void> {
    this.stopping ??= this.step(
      'stop the local stack',
      async () => {
        const stopped = await downStack(this.stackDirectory);
        return stopped.length > 0 ? `stopped ${stopped.join(', ')}` : 'nothing was running';
      },
      { evenIfInterrupted: true },
    ).catch(() => undefined);
    return this.stopping;
  }

  keepMessage(): string {
    const environmentFile = path.join(this.stackDirectory, 'stack.env');
    const coordinator = this.environment?.COORDINATOR_URL ?? '(none)';
    const hint =
      this.options.stackDirectory === undefined
        ? 'Try `npx qupersync runs`, then `npm run stack -- down`.'
        : `Try \`COORDINATOR_URL=${coordinator} npx qupersync runs\`; stop it with downStack('${this.stackDirectory}') from tools/stack.`;
    return `\nThe stack is still running (--keep); its endpoints are in ${environmentFile}.\nThe web console: ${coordinator}/ (sign in with COORDINATOR_API_TOKEN from that file).\n${hint}\n`;
  }

  private async startStack(): Promise<string> {
    const start = (): ReturnType<typeof upStack> =>
      upStack({
        directory: this.stackDirectory,
        jobsFile: demoJobsFile,
        log: (line) => log(`[stack] ${line}`),
      });
    let result = await start();
    if (result.alreadyUp && !(await this.stackHasDemoJob(result.state.environment))) {
      // A stack started by `npm run stack -- up` runs the default jobs file: restart it with ours.
      log(
        `a running stack does not know ${demoJob}: restarting it with ${path.relative(repositoryRoot, demoJobsFile)}`,
      );
      await downStack(this.stackDirectory);
      result = await start();
    }
    this.environment = result.state.environment;
    const url = this.environment.COORDINATOR_URL;
    if (url === undefined)
      throw new Error('the stack started without a coordinator (no COORDINATOR_URL in stack.env)');
    this.coordinator = new CoordinatorClient({
      baseUrl: url,
      apiToken: this.environment.COORDINATOR_API_TOKEN,
    });
    return `${result.alreadyUp ? 'already running' : 'started'}; coordinator ${url}`;
  }

  private async stackHasDemoJob(environment: StackEnvironment): Promise<boolean> {
    if (environment.COORDINATOR_URL === undefined) return false;
    try {
      const jobs = await new CoordinatorClient({
        baseUrl: environment.COORDINATOR_URL,
        apiToken: environment.COORDINATOR_API_TOKEN,
      }).listJobs();
      return jobs.some((job) => job.name === demoJob);
    } catch {
      return false;
    }
  }

  private async waitForJob(): Promise<string> {
    const coordinator = this.requireCoordinator();
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const job = (await coordinator.listJobs()).find((candidate) => candidate.name === demoJob);
        if (job === undefined)
          throw new Error(`the coordinator has no job ${demoJob}: is QUPERSYNC_JOBS_FILE ${demoJobsFile}?`);
        if (job.activeRunId !== null)
          throw new Error(
            `${demoJob} already has an active run ${job.activeRunId}; wait for it or restart the stack`,
          );
        return `${job.name}: ${job.mode}, ${job.sourceTable ?? '(sql)'} -> ${job.targetTable}`;
      } catch (error) {
        // The coordinator may still be binding its port right after `up`.
        if (!(error instanceof CoordinatorUnreachableError) || Date.now() > deadline) throw error;
        await sleep(500);
      }
    }
  }

  private async createSource(rows: number): Promise<string> {
    return this.withDatabase('warehouse', async (client) => {
      await client.query(createWarehouseTableSql());
      await client.query(insertInitialRowsSql(rows));
      await client.query(`ANALYZE ${demoTable}`);
      const above = await client.query<{ count: string }>(
        `SELECT count(*)::text AS count FROM ${demoTable} WHERE id > 9007199254740992`,
      );
      return `${formatCount(rows)} rows, ${above.rows[0]?.count ?? '?'} with id > 2^53`;
    });
  }

  private async resetTarget(): Promise<string> {
    return this.withDatabase('target', async (client) => {
      await client.query(`DROP TABLE IF EXISTS ${demoTable}`);
      // The stack's state database outlives `down`: a watermark left by an earlier demo would be
      // newer than the freshly generated rows and the first run would find nothing to do.
      const state = await client.query<{ exists: boolean }>(
        `SELECT to_regclass('public.qupersync_state') IS NOT NULL AS exists`,
      );
      if (state.rows[0]?.exists !== true) return 'target dropped; no state table yet';
      const reset = await client.query(`DELETE FROM qupersync_state WHERE job = $1 AND kind = 'watermark'`, [
        demoJob,
      ]);
      return `target dropped; ${reset.rowCount ?? 0} old watermark(s) removed`;
    });
  }

  private async syncRun(name: string): Promise<RunView> {
    let finished: RunView | undefined;
    await this.step(name, async () => {
      const coordinator = this.requireCoordinator();
      const accepted = await coordinator.triggerRun(demoJob, { requestKey: `demo-${Date.now()}` });
      if (accepted.coalesced) throw new Error(`the trigger joined an already active run ${accepted.runId}`);
      let lastLog = 0;
      let lastCounters = '';
      let lastChange = Date.now();
      finished = await waitForRunEnd(coordinator, accepted.runId, {
        pollIntervalMs: 250,
        onProgress: (run, elapsedMs) => {
          if (this.interrupted) throw new DemoAbort('interrupted');
          const now = Date.now();
          const counters = [
            run.status,
            run.rowsExtracted,
            run.rowsLoaded,
            run.batches,
            run.batchesLoaded,
            run.failedBatches,
          ].join('/');
          if (counters !== lastCounters) {
            lastCounters = counters;
            lastChange = now;
          } else if (now - lastChange > stallTimeoutMs) {
            throw new DemoAbort(
              `run ${run.runId} made no progress for ${formatDuration(stallTimeoutMs)} (${run.status}, ` +
                `${run.rowsExtracted} rows extracted); see the service logs in ${path.join(this.stackDirectory, 'logs')}`,
            );
          }
          // A line every 2 s while the counters move, every 30 s while they do not.
          const quiet = now - lastChange > 2000;
          if (now - lastLog < (quiet ? 30_000 : 2000)) return;
          lastLog = now;
          log(`  ${formatProgress(run, elapsedMs)}`);
        },
      });
      this.runs.push(finished);
      return `run ${finished.runId} ${finished.status} in ${formatDuration(finished.durationMs)}`;
    });
    if (finished === undefined) throw new DemoAbort(`${name} did not finish`);
    return finished;
  }

  private async checkRun(run: RunView, expectedRows: number, label: string): Promise<void> {
    const expectedBatches = Math.ceil(expectedRows / batchSize);
    await this.check(`${label}: succeeded, extracted ${formatCount(expectedRows)} rows exactly`, () => {
      const problems: string[] = [];
      if (run.status !== 'succeeded')
        problems.push(`status ${run.status}${run.error === null ? '' : ` (${run.error})`}`);
      if (run.rowsExtracted !== expectedRows) problems.push(`extracted ${formatCount(run.rowsExtracted)}`);
      if (run.rowsLoaded !== expectedRows) problems.push(`loaded ${formatCount(run.rowsLoaded)}`);
      if (run.rowsDeadLettered !== 0) problems.push(`${formatCount(run.rowsDeadLettered)} dead-lettered`);
      if (run.failedBatches !== 0) problems.push(`${run.failedBatches} failed batches`);
      if (run.batches !== null && run.batches !== expectedBatches)
        problems.push(`${run.batches} batches (expected ${expectedBatches})`);
      const summary = `${formatCount(run.rowsExtracted)} extracted, ${formatCount(run.rowsLoaded)} loaded, ${run.batches ?? '?'} batches`;
      return Promise.resolve({
        passed: problems.length === 0,
        detail: problems.length === 0 ? summary : problems.join('; '),
      });
    });
  }

  private async compare(name: string): Promise<void> {
    await this.check(name, async () => {
      const [source, target] = await Promise.all([
        this.withDatabase('warehouse', (client) => fingerprint(client)),
        this.withDatabase('target', (client) => fingerprint(client)),
      ]);
      const passed = source.rows === target.rows && source.digest === target.digest;
      const detail = passed
        ? `${formatCount(Number(source.rows))} rows, md5 ${source.digest}`
        : `source ${source.rows} rows md5 ${source.digest}, target ${target.rows} rows md5 ${target.digest}`;
      return { passed, detail };
    });
  }

  /** Informational: equal values are what counts, but identical types are what a user expects. */
  private async compareColumnTypes(): Promise<{ passed: boolean; detail: string; note?: boolean }> {
    const types = await this.withDatabase('target', (client) =>
      client.query<{ name: string; type: string }>(columnTypesSql()),
    );
    // timestamp(6) is timestamp: 6 is PostgreSQL's default (and maximum) precision.
    const actual = new Map(
      types.rows.map((row) => [row.name, row.type.replace(/^(timestamp|time)\(6\)/, '$1')]),
    );
    const missing = demoColumns.filter((column) => !actual.has(column.name)).map((column) => column.name);
    if (missing.length > 0) return { passed: false, detail: `missing columns: ${missing.join(', ')}` };
    const differing = demoColumns
      .filter((column) => actual.get(column.name) !== column.type)
      .map((column) => `${column.name} ${actual.get(column.name) ?? '?'} (source ${column.type})`);
    return differing.length === 0
      ? { passed: true, detail: 'every column has the source type' }
      : { passed: true, note: true, detail: `values match, types differ: ${differing.join(', ')}` };
  }

  /** Returns the number of rows the incremental run must extract (updated + inserted). */
  private async changeSource(rows: number): Promise<number> {
    return this.withDatabase('warehouse', async (client) => {
      await client.query('BEGIN');
      const updated = await client.query(updateSomeRowsSql());
      const inserted = await client.query(insertNewRowsSql(rows));
      await client.query('COMMIT');
      return (updated.rowCount ?? 0) + (inserted.rowCount ?? 0);
    });
  }

  private async withDatabase<Result>(
    which: 'warehouse' | 'target',
    work: (client: Client) => Promise<Result>,
  ): Promise<Result> {
    const environment = this.environment;
    if (environment === undefined) throw new Error('the stack is not started');
    const client = new Client({
      connectionString: which === 'warehouse' ? environment.WAREHOUSE_DATABASE_URL : environment.DATABASE_URL,
    });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  private requireCoordinator(): CoordinatorClient {
    if (this.coordinator === undefined) throw new Error('the stack is not started');
    return this.coordinator;
  }
}

async function fingerprint(client: Client): Promise<Fingerprint> {
  const result = await client.query<Fingerprint>(fingerprintSql());
  const row = result.rows[0];
  if (row === undefined) throw new Error('the fingerprint query returned no row');
  return row;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

async function main(argv: readonly string[]): Promise<number> {
  let options: DemoOptions;
  try {
    options = parseDemoArguments(argv);
  } catch (error) {
    if (error instanceof DemoUsageError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const scenario = new DemoScenario(options);
  let interrupted = false;
  const onSignal = (): void => {
    // A second Ctrl-C is the user insisting: exit at once and leave the stack as it is.
    if (interrupted) process.exit(130);
    interrupted = true;
    log('interrupted: finishing the current step, then stopping the stack (Ctrl-C again to exit at once)');
    scenario.interrupt();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await scenario.run();
  } catch (error) {
    if (!(error instanceof DemoAbort)) throw error;
  } finally {
    if (!options.keep) await scenario.stop();
  }

  process.stdout.write(
    `\nQuperSync demo: ${formatCount(options.rows)} rows, job ${demoJob}\n\n${scenario.formatReport()}`,
  );
  if (scenario.runs.length > 0) process.stdout.write(`\nRuns:\n${formatRuns(scenario.runs)}`);
  if (options.keep) process.stdout.write(scenario.keepMessage());
  process.stdout.write(
    `\n${scenario.passed ? 'PASSED: every check passed.' : 'FAILED: see the steps marked FAILED above.'}\n`,
  );
  if (interrupted) return 130;
  return scenario.passed ? 0 : 1;
}

main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    process.stderr.write(
      `[demo] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  });
