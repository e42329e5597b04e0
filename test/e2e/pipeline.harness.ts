// Starts the four services and the Data API endpoint as processes against the test servers
// (from test/global-setup.ts), with a jobs file of the test's own, and talks to the coordinator.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  findFreePorts,
  planServices,
  repositoryRoot,
  startService,
  startServices,
  stopService,
  type ServiceProcess,
  type ServiceSpec,
} from '../../tools/stack';

export interface RunSummary {
  runId: string;
  job: string;
  status: string;
  requestKey: string | null;
  rowsExtracted: number;
  rowsLoaded: number;
  rowsDeadLettered: number;
  rowsInvalid: number;
  rowsRejected: number;
  rowsStale: number;
  batches: number | null;
  batchesLoaded: number;
  failedBatches: number;
  watermark: string[] | null;
  error: string | null;
  warnings: string[];
  scanPlan: string | null;
  rowsScanned: number | null;
  rowsDeleted: number;
  createdAt: string;
  finishedAt: string | null;
}

export interface JobSpec {
  readonly name: string;
  readonly table: string;
  readonly mode?: 'full' | 'incremental';
  readonly batchSize?: number;
  /** The watermark column; `updated_at` when absent, none when null (a full-only job). */
  readonly watermark?: string | null;
  readonly extra?: readonly string[];
  /** source.result_format; the environment's default (CSV) when absent. */
  readonly resultFormat?: 'csv' | 'json';
  /** source.statement_timeout, e.g. `1s`. */
  readonly statementTimeout?: string;
  /** The source table as written in the YAML (`public.<table>` when absent). */
  readonly sourceTable?: string;
  /** primary_key as written in the YAML (`[id]` when absent). */
  readonly primaryKey?: string;
  /** More source settings, as YAML flow entries (e.g. `extract: unload`). */
  readonly sourceOptions?: string;
}

export class PipelineHarness {
  private constructor(
    readonly coordinatorUrl: string,
    readonly dataApiUrl: string,
    private services: ServiceProcess[],
    private readonly specs: ServiceSpec[],
    readonly logDirectory: string,
    readonly apiToken: string | undefined,
    readonly jobsFile: string,
  ) {}

  static async start(
    jobs: readonly JobSpec[],
    options: {
      loaders?: number;
      environment?: Record<string, string>;
      /** Settings for one kind of service only (after `environment`). */
      serviceEnvironment?: Partial<Record<ServiceSpec['kind'], Record<string, string>>>;
    } = {},
  ): Promise<PipelineHarness> {
    await assertWarehouseTablesAsRedshiftHasThem(jobs.map((job) => job.table));
    const directory = mkdtempSync(join(tmpdir(), 'qupersync-e2e-'));
    const jobsFile = join(directory, 'jobs.yaml');
    writeFileSync(jobsFile, renderJobsFile(jobs));
    const loaders = options.loaders ?? 1;
    const ports = await findFreePorts(4 + loaders);
    // Every stack runs with the API's bearer token, as production does by default.
    const apiToken = options.environment?.COORDINATOR_API_TOKEN ?? `e2e-token-${randomUUID()}`;
    const planned = planServices({
      apiToken,
      stack: {
        KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '',
        DATABASE_URL: process.env.DATABASE_URL ?? '',
        WAREHOUSE_DATABASE_URL: process.env.WAREHOUSE_DATABASE_URL ?? '',
      },
      loaders,
      ports,
      jobsFile,
      logLevel: 'info',
    });
    const specs = planned.map((spec) => ({
      ...spec,
      environment: {
        ...spec.environment,
        ...options.environment,
        ...options.serviceEnvironment?.[spec.kind],
      },
    }));
    const logDirectory = join(directory, 'logs');
    const services = await startServices(specs, { repositoryRoot, logDirectory });
    const portOf = (kind: ServiceSpec['kind']): number => specs.find((spec) => spec.kind === kind)?.port ?? 0;
    return new PipelineHarness(
      `http://127.0.0.1:${portOf('coordinator')}`,
      `http://127.0.0.1:${portOf('data-api')}`,
      services,
      specs,
      logDirectory,
      apiToken,
      jobsFile,
    );
  }

  /** Writes the stack's jobs file anew (the services read it on SIGHUP or `jobs reload`). */
  rewriteJobs(jobs: readonly JobSpec[]): void {
    writeFileSync(this.jobsFile, renderJobsFile(jobs));
  }

  /** Sends a signal (SIGHUP, say) to one running service instance. */
  signal(name: string, signal: NodeJS.Signals): void {
    const service = this.services.find((candidate) => candidate.name === name);
    if (service === undefined) throw new Error(`no service named ${name}`);
    process.kill(service.pid, signal);
  }

  /** kill -9 one service instance and leave it dead (the others take over its work). */
  async kill(name: string): Promise<void> {
    const victim = this.services.find((service) => service.name === name);
    if (victim === undefined) throw new Error(`no service named ${name}`);
    process.kill(victim.pid, 'SIGKILL');
    const deadline = Date.now() + 10_000;
    while (isAlive(victim.pid) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    this.services = this.services.filter((service) => service !== victim);
  }

  /** Runs `qupersync <args>` (bin/qupersync.js) against this stack's coordinator, with its token. */
  cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, [join(repositoryRoot, 'bin', 'qupersync.js'), ...args], {
      cwd: repositoryRoot,
      env: {
        ...process.env,
        COORDINATOR_URL: this.coordinatorUrl,
        ...(this.apiToken === undefined ? {} : { COORDINATOR_API_TOKEN: this.apiToken }),
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /** Stops one service instance the way an operator would (SIGTERM: it leaves its group at once). */
  async terminate(name: string): Promise<void> {
    const service = this.services.find((candidate) => candidate.name === name);
    if (service === undefined) throw new Error(`no service named ${name}`);
    await stopService(service);
    this.services = this.services.filter((candidate) => candidate !== service);
  }

  /** Starts a service stopped by `terminate` or `kill` again, with the same settings. */
  async restart(name: string): Promise<void> {
    const spec = this.specs.find((candidate) => candidate.name === name);
    if (spec === undefined) throw new Error(`no service named ${name}`);
    this.services.push(await startService(spec, { repositoryRoot, logDirectory: this.logDirectory }));
  }

  /** kill -9 one service instance, then start it again with the same settings. */
  async killAndRestart(name: string): Promise<void> {
    const spec = this.specs.find((candidate) => candidate.name === name);
    if (spec === undefined) throw new Error(`no service named ${name}`);
    await this.kill(name);
    this.services.push(await startService(spec, { repositoryRoot, logDirectory: this.logDirectory }));
  }

  /** Starts one more instance of a service (same settings, own port): `extractor-2`, say. */
  async startAnother(kind: ServiceSpec['kind'], name: string): Promise<void> {
    const model = this.specs.find((spec) => spec.kind === kind);
    if (model === undefined) throw new Error(`no ${kind} to copy`);
    const [port] = await findFreePorts(1);
    const spec: ServiceSpec = {
      ...model,
      name,
      port: port ?? 0,
      environment: { ...model.environment, HTTP_PORT: String(port), KAFKA_CLIENT_ID: name },
    };
    this.specs.push(spec);
    this.services.push(await startService(spec, { repositoryRoot, logDirectory: this.logDirectory }));
  }

  /** Sets the local Data API endpoint's fault knobs (latency, throttling, failing statements). */
  async injectDataApiFaults(faults: Record<string, unknown> | null): Promise<void> {
    const response = await fetch(`${this.dataApiUrl}/_local/faults`, {
      method: faults === null ? 'DELETE' : 'POST',
      headers: { 'content-type': 'application/json' },
      ...(faults === null ? {} : { body: JSON.stringify(faults) }),
    });
    if (!response.ok) throw new Error(`faults: ${response.status} ${await response.text()}`);
  }

  async stop(): Promise<void> {
    await Promise.all(this.services.map((service) => stopService(service)));
  }

  /** The value of a Prometheus counter or gauge (without labels) on one service's /metrics. */
  async metric(serviceName: string, metricName: string): Promise<number> {
    const spec = this.specs.find((candidate) => candidate.name === serviceName);
    if (spec === undefined) throw new Error(`no service named ${serviceName}`);
    const text = await (await fetch(`http://127.0.0.1:${spec.port}/metrics`)).text();
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${metricName} `));
    if (line === undefined) throw new Error(`${serviceName} has no metric ${metricName}`);
    return Number(line.slice(metricName.length + 1));
  }

  async api<T>(path: string, init?: RequestInit): Promise<T> {
    const response = await fetch(`${this.coordinatorUrl}${path}`, {
      ...init,
      headers: {
        'content-type': 'application/json',
        ...(this.apiToken === undefined ? {} : { authorization: `Bearer ${this.apiToken}` }),
      },
    });
    const body: unknown = await response.json();
    if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
    return body as T;
  }

  async trigger(
    job: string,
    body: Record<string, string> = {},
  ): Promise<{ runId: string; coalesced: boolean }> {
    return this.api(`/jobs/${job}/runs`, { method: 'POST', body: JSON.stringify(body) });
  }

  async waitForRun(runId: string, timeoutMs = 180_000): Promise<RunSummary> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await this.api<RunSummary>(`/runs/${runId}`);
      if (run.status === 'succeeded' || run.status === 'failed' || run.status === 'cancelled') return run;
      if (Date.now() > deadline) throw new Error(`run ${runId} did not end: ${JSON.stringify(run)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /**
   * Polls a run until `reached` holds of it (progress in the middle of a run: batches loaded,
   * rows extracted, stale rows counted) and returns it; throws naming `what` after the timeout.
   */
  async waitForRunState(
    runId: string,
    what: string,
    reached: (run: RunSummary) => boolean,
    timeoutMs = 60_000,
  ): Promise<RunSummary> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await this.api<RunSummary>(`/runs/${runId}`);
      if (reached(run)) return run;
      if (Date.now() > deadline) throw new Error(`run ${runId} never ${what}: ${JSON.stringify(run)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async triggerAndWait(job: string, body: Record<string, string> = {}): Promise<RunSummary> {
    const { runId } = await this.trigger(job, body);
    return this.waitForRun(runId);
  }

  /** Polls until the coordinator has consumed a trigger of `job` with this key; the run it started or joined. */
  async findRunByRequestKey(job: string, requestKey: string, timeoutMs = 30_000): Promise<RunSummary> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await this.api<{ runId: string }>(
        `/jobs/${encodeURIComponent(job)}/requests/${encodeURIComponent(requestKey)}`,
      ).catch(() => undefined);
      if (found !== undefined) return this.api<RunSummary>(`/runs/${found.runId}`);
      if (Date.now() > deadline) throw new Error(`no run of ${job} with request key ${requestKey}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Redshift has no indexes, only zone maps (a BRIN index here): a warehouse table with a B-tree
 * (a PRIMARY KEY, say) would let a test pass on lookups Redshift cannot do, so none may have one.
 */
async function assertWarehouseTablesAsRedshiftHasThem(tables: readonly string[]): Promise<void> {
  const client = new Client({ connectionString: process.env.WAREHOUSE_DATABASE_URL ?? '' });
  await client.connect();
  try {
    const found = await client.query<{ index: string }>(
      `SELECT ic.relname AS index
         FROM pg_index i
         JOIN pg_class c ON c.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_class ic ON ic.oid = i.indexrelid
         JOIN pg_am am ON am.oid = ic.relam
        WHERE n.nspname = 'public' AND c.relname = ANY($1::text[]) AND am.amname <> 'brin'`,
      [tables],
    );
    if (found.rows.length > 0)
      throw new Error(
        `warehouse tables must have no index but BRIN (Redshift has zone maps only): ${found.rows.map((row) => row.index).join(', ')}`,
      );
  } finally {
    await client.end();
  }
}

function renderJobsFile(jobs: readonly JobSpec[]): string {
  const lines = ['jobs:'];
  for (const job of jobs) {
    lines.push(
      `  - name: ${job.name}`,
      `    source: { table: ${job.sourceTable ?? `public.${job.table}`}${job.resultFormat === undefined ? '' : `, result_format: ${job.resultFormat}`}${job.statementTimeout === undefined ? '' : `, statement_timeout: ${job.statementTimeout}`}${job.sourceOptions === undefined ? '' : `, ${job.sourceOptions}`} }`,
      `    target: { table: public.${job.table} }`,
      `    primary_key: ${job.primaryKey ?? '[id]'}`,
      `    mode: ${job.mode ?? 'incremental'}`,
      ...(job.watermark === null ? [] : [`    watermark: ${job.watermark ?? 'updated_at'}`]),
      `    batch_size: ${job.batchSize ?? 1000}`,
      ...(job.extra ?? []).map((line) => `    ${line}`),
    );
  }
  return `${lines.join('\n')}\n`;
}

export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}
