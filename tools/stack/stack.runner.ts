// Brings the whole local stack up and down as one unit, and restarts single processes for chaos
// tests. Only processes recorded in stack.json are ever signalled, and only while their command
// line still matches what was started.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startKafka, stopKafka } from './kafka.server';
import { startPostgres, stopPostgres } from './postgres.cluster';
import { findFreePorts } from './port.finder';
import { isProcessGone, processMatches, signal, stopProcess, waitFor } from './process.control';
import { s3Environment, startS3ServerProcess } from './s3.server';
import {
  planServices,
  serviceKinds,
  serviceMain,
  startService,
  startServices,
  stopService,
  type ServiceProcess,
} from './service.process';
import { defaultStackDirectory, repositoryRoot } from './stack.paths';
import {
  readStackState,
  removeStackState,
  writeStackState,
  type StackProcessRecord,
  type StackState,
} from './stack.state';

export interface StackUpOptions {
  directory?: string;
  loaders?: number;
  /** Extractor instances in one consumer group (they share UNLOAD parts). */
  extractors?: number;
  /** false = Kafka and PostgreSQL only. */
  services?: boolean;
  jobsFile?: string;
  logLevel?: string;
  log?: (line: string) => void;
  /** Services write V8 CPU profiles here on exit. */
  cpuProfileDirectory?: string;
}

export interface StackUpResult {
  state: StackState;
  /** true when a healthy stack of the same shape was already running and was left alone. */
  alreadyUp: boolean;
}

export interface StackProcessStatus {
  name: string;
  pid: number;
  port: number;
  alive: boolean;
  logFile: string;
}

export async function upStack(options: StackUpOptions = {}): Promise<StackUpResult> {
  const directory = path.resolve(options.directory ?? defaultStackDirectory);
  const loaders = options.loaders ?? 1;
  const extractors = options.extractors ?? 1;
  const withServices = options.services ?? true;
  const log = options.log ?? (() => undefined);

  const existing = readStackState(directory);
  if (existing) {
    const allAlive = existing.processes.every((record) => isRecordAlive(record));
    if (
      allAlive &&
      existing.loaders === loaders &&
      existing.extractors === extractors &&
      existing.services === withServices
    )
      return { state: existing, alreadyUp: true };
    log('a previous stack is (partly) running or differs; stopping it first');
    await downStack(directory);
  }

  if (withServices) {
    // Fail before starting any server when a service is not built (or not written) yet.
    const missing = serviceKinds.filter((kind) => !fs.existsSync(serviceMain(repositoryRoot, kind)));
    if (missing.length > 0) {
      throw new Error(
        `not built: ${missing.map((kind) => path.relative(repositoryRoot, serviceMain(repositoryRoot, kind))).join(', ')}. ` +
          'Run `npm run build` (or use --no-services while a service is not written yet).',
      );
    }
  }

  log('starting Kafka, PostgreSQL and S3 ...');
  const [kafkaResult, postgresResult, s3Result] = await Promise.allSettled([
    startKafka({ directory: path.join(directory, 'kafka'), log }),
    startPostgres({ directory: path.join(directory, 'postgres'), log }),
    startS3ServerProcess({ directory: path.join(directory, 's3') }),
  ]);
  if (
    kafkaResult.status === 'rejected' ||
    postgresResult.status === 'rejected' ||
    s3Result.status === 'rejected'
  ) {
    // Some may have started: stop them, so a failed `up` leaves nothing behind.
    if (kafkaResult.status === 'fulfilled') await stopKafka(kafkaResult.value);
    if (postgresResult.status === 'fulfilled') await stopPostgres(postgresResult.value);
    if (s3Result.status === 'fulfilled') await stopProcess(s3Result.value.pid);
    throw kafkaResult.status === 'rejected'
      ? kafkaResult.reason
      : postgresResult.status === 'rejected'
        ? postgresResult.reason
        : s3Result.status === 'rejected'
          ? s3Result.reason
          : undefined;
  }
  const [kafka, postgres, s3] = [kafkaResult.value, postgresResult.value, s3Result.value];

  const processes: StackProcessRecord[] = [
    {
      name: 'kafka',
      kind: 'kafka',
      pid: kafka.pid,
      port: kafka.port,
      logFile: kafka.logFile,
      marker: kafka.propertiesFile,
      kafka: { directory: kafka.directory, controllerPort: kafka.controllerPort },
    },
    {
      name: 'postgres',
      kind: 'postgres',
      pid: postgres.pid,
      port: postgres.port,
      logFile: postgres.logFile,
      marker: postgres.dataDirectory,
      postgres: {
        directory: postgres.directory,
        dataDirectory: postgres.dataDirectory,
        binDirectory: postgres.binDirectory,
      },
    },
    {
      name: 's3',
      kind: 's3',
      pid: s3.pid,
      port: s3.port,
      logFile: s3.logFile,
      marker: s3.directory,
      s3: { directory: s3.directory },
    },
  ];
  const state: StackState = {
    startedAt: new Date().toISOString(),
    directory,
    loaders,
    extractors,
    services: withServices,
    environment: {
      KAFKA_BROKERS: kafka.brokers,
      DATABASE_URL: postgres.databaseUrl,
      WAREHOUSE_DATABASE_URL: postgres.warehouseDatabaseUrl,
      ...s3Environment(s3.url, { credentials: false }),
    },
    processes,
  };
  // Written before the services start, so a failure below still leaves `down` able to clean up.
  writeStackState(state);

  if (withServices) {
    // The local stack's API is guarded like any other: a fresh token per stack, kept in stack.env.
    const apiToken = randomBytes(24).toString('hex');
    const specs = planServices({
      apiToken,
      stack: state.environment,
      loaders,
      extractors,
      ports: await findFreePorts(3 + extractors + loaders),
      jobsFile:
        options.jobsFile ??
        process.env.QUPERSYNC_JOBS_FILE ??
        path.join(repositoryRoot, 'config', 'jobs.yaml'),
      logLevel: options.logLevel ?? process.env.LOG_LEVEL ?? 'info',
    });
    log(`starting ${specs.map((spec) => spec.name).join(', ')} ...`);
    let services: ServiceProcess[];
    try {
      services = await startServices(specs, {
        repositoryRoot,
        logDirectory: path.join(directory, 'logs'),
        ...(options.cpuProfileDirectory === undefined
          ? {}
          : { cpuProfileDirectory: options.cpuProfileDirectory }),
      });
    } catch (error) {
      await downStack(directory);
      throw error;
    }
    for (const service of services) {
      const spec = specs.find((candidate) => candidate.name === service.name);
      processes.push({
        name: service.name,
        kind: 'service',
        pid: service.pid,
        port: service.port,
        logFile: service.logFile,
        marker: service.marker,
        service: spec,
      });
    }
    const port = (name: string): number | undefined =>
      services.find((service) => service.name === name)?.port;
    state.environment.REDSHIFT_DATA_API_ENDPOINT = `http://127.0.0.1:${port('data-api')}`;
    state.environment.COORDINATOR_URL = `http://127.0.0.1:${port('coordinator')}`;
    state.environment.COORDINATOR_API_TOKEN = apiToken;
    writeStackState(state);
  }
  return { state, alreadyUp: false };
}

/** Stops what stack.json lists (services first, then the servers); returns the names stopped. */
export async function downStack(directory: string = defaultStackDirectory): Promise<string[]> {
  const state = readStackState(path.resolve(directory));
  if (!state) return [];
  const stopped: string[] = [];
  const services = state.processes.filter((record) => record.kind === 'service');
  await Promise.all(
    services.map(async (record) => {
      if (isRecordAlive(record)) stopped.push(record.name);
      await stopService(record);
    }),
  );
  await Promise.all(
    state.processes
      .filter((record) => record.kind !== 'service')
      .map(async (record) => {
        if (isRecordAlive(record)) stopped.push(record.name);
        await stopRecord(record);
      }),
  );
  removeStackState(state.directory);
  return stopped;
}

export function stackStatus(directory: string = defaultStackDirectory): StackProcessStatus[] {
  const state = readStackState(path.resolve(directory));
  return (state?.processes ?? []).map((record) => ({
    name: record.name,
    pid: record.pid,
    port: record.port,
    alive: isRecordAlive(record),
    logFile: record.logFile,
  }));
}

/**
 * kill -9 one process of the stack and start it again on the same port (chaos tests: the
 * others must ride through it). Returns the new record; stack.json is updated.
 */
export async function restartStackProcess(
  name: string,
  directory: string = defaultStackDirectory,
): Promise<StackProcessRecord> {
  const state = readStackState(path.resolve(directory));
  const record = state?.processes.find((candidate) => candidate.name === name);
  if (!state || !record) throw new Error(`no process named ${name} in ${directory}/stack.json`);
  if (processMatches(record.pid, record.marker)) {
    signal(record.pid, 'SIGKILL');
    await waitFor(() => !processMatches(record.pid, record.marker), {
      timeoutMs: 10_000,
      what: `${name} to die`,
    });
    // PostgreSQL's own stale-lock check uses kill(0), which a zombie still answers: wait for
    // the reaper too, but do not fail if it is slow (start-up retries cover the rest).
    await waitFor(() => isProcessGone(record.pid), { timeoutMs: 5_000, what: `${name} to be reaped` }).catch(
      () => undefined,
    );
  }
  const restarted = await startRecord(record);
  state.processes = state.processes.map((candidate) => (candidate.name === name ? restarted : candidate));
  writeStackState(state);
  return restarted;
}

async function startRecord(record: StackProcessRecord): Promise<StackProcessRecord> {
  switch (record.kind) {
    case 'kafka': {
      if (!record.kafka) throw new Error(`${record.name} has no kafka settings`);
      const kafka = await startKafka({
        directory: record.kafka.directory,
        port: record.port,
        controllerPort: record.kafka.controllerPort,
      });
      return { ...record, pid: kafka.pid };
    }
    case 'postgres': {
      if (!record.postgres) throw new Error(`${record.name} has no postgres settings`);
      const postgres = await startPostgres({ directory: record.postgres.directory, port: record.port });
      return { ...record, pid: postgres.pid };
    }
    case 's3': {
      if (!record.s3) throw new Error(`${record.name} has no s3 settings`);
      const s3 = await startS3ServerProcess({ directory: record.s3.directory, port: record.port });
      return { ...record, pid: s3.pid };
    }
    case 'service': {
      if (!record.service) throw new Error(`${record.name} has no service settings`);
      const service = await startService(record.service, {
        repositoryRoot,
        logDirectory: path.dirname(record.logFile),
      });
      return { ...record, pid: service.pid };
    }
  }
}

async function stopRecord(record: StackProcessRecord): Promise<void> {
  switch (record.kind) {
    case 'kafka':
      return stopKafka({ pid: record.pid, propertiesFile: record.marker });
    case 'postgres':
      if (record.postgres) await stopPostgres(record.postgres);
      return;
    case 's3':
      if (processMatches(record.pid, record.marker)) await stopProcess(record.pid);
      return;
    case 'service':
      return stopService(record);
  }
}

function isRecordAlive(record: StackProcessRecord): boolean {
  return processMatches(record.pid, record.marker);
}
