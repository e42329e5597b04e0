// The four services and the Data API endpoint as detached Node processes running the compiled
// mains, each logging to .qupersync/logs/<name>.log and ready once GET /health answers 200.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  FatalWaitError,
  isProcessAlive,
  processMatches,
  stopProcess,
  tailFile,
  waitFor,
} from './process.control';
import { localS3Credentials } from './s3.server';
import type { StackEnvironment } from './stack.state';

export const serviceKinds = ['data-api', 'coordinator', 'extractor', 'transformer', 'loader'] as const;
export type ServiceKind = (typeof serviceKinds)[number];

export interface ServiceSpec {
  /** Instance name: the kind, or `loader-<n>` when there are several loaders. */
  name: string;
  kind: ServiceKind;
  port: number;
  /** Added to the caller's environment (which still provides PATH and friends). */
  environment: Record<string, string>;
}

export interface ServiceProcess {
  name: string;
  kind: ServiceKind;
  pid: number;
  port: number;
  logFile: string;
  /** The main script: the pid must still run it before we signal it. */
  marker: string;
}

export interface ServicePlanInput {
  stack: Pick<StackEnvironment, 'KAFKA_BROKERS' | 'DATABASE_URL' | 'WAREHOUSE_DATABASE_URL'> &
    Partial<Pick<StackEnvironment, 'S3_ENDPOINT' | 'REDSHIFT_UNLOAD_S3_URI' | 'REDSHIFT_UNLOAD_IAM_ROLE'>>;
  loaders: number;
  /** Extractors in the group (default 1): `extractor`, or `extractor-<n>` when there are several. */
  extractors?: number;
  /** One free port per service instance: data-api, coordinator, extractors, transformer, loaders. */
  ports: readonly number[];
  jobsFile: string;
  logLevel: string;
  /** The coordinator API's bearer token; the API refuses to run without one unless told (COORDINATOR_API_AUTH). */
  apiToken?: string;
}

export class ServiceMainMissingError extends Error {
  constructor(kind: ServiceKind, main: string) {
    super(`${kind}: ${main} does not exist. Run \`npm run build\` (or the service is not written yet).`);
  }
}

/** Names, ports and environment of every instance (pure, so the wiring is unit-tested). */
export function planServices(input: ServicePlanInput): ServiceSpec[] {
  const kinds: Array<{ name: string; kind: ServiceKind }> = [
    { name: 'data-api', kind: 'data-api' },
    { name: 'coordinator', kind: 'coordinator' },
    ...Array.from({ length: input.extractors ?? 1 }, (_, index) => ({
      name: (input.extractors ?? 1) === 1 ? 'extractor' : `extractor-${index + 1}`,
      kind: 'extractor' as const,
    })),
    { name: 'transformer', kind: 'transformer' },
    ...Array.from({ length: input.loaders }, (_, index) => ({
      name: input.loaders === 1 ? 'loader' : `loader-${index + 1}`,
      kind: 'loader' as const,
    })),
  ];
  if (input.ports.length < kinds.length)
    throw new Error(`need ${kinds.length} ports, got ${input.ports.length}`);
  const dataApiPort = input.ports[0] ?? 0;
  return kinds.map(({ name, kind }, index) => {
    const port = input.ports[index] ?? 0;
    const environment: Record<string, string> = {
      KAFKA_BROKERS: input.stack.KAFKA_BROKERS,
      KAFKA_CLIENT_ID: name,
      DATABASE_URL: input.stack.DATABASE_URL,
      QUPERSYNC_JOBS_FILE: input.jobsFile,
      HTTP_PORT: String(port),
      LOG_LEVEL: input.logLevel,
    };
    if (kind === 'data-api') environment.WAREHOUSE_DATABASE_URL = input.stack.WAREHOUSE_DATABASE_URL;
    if (kind === 'coordinator') {
      if (input.apiToken === undefined) environment.COORDINATOR_API_AUTH = 'none';
      else environment.COORDINATOR_API_TOKEN = input.apiToken;
    }
    // The coordinator reads the source too: `verify` checksums it through the Data API.
    if (kind === 'extractor' || kind === 'coordinator') {
      Object.assign(environment, {
        REDSHIFT_DATA_API_ENDPOINT: `http://127.0.0.1:${dataApiPort}`,
        REDSHIFT_WORKGROUP_NAME: 'local',
        REDSHIFT_DATABASE: 'warehouse',
        AWS_REGION: 'us-east-1',
        // The local endpoint does not check signatures, but the SDK refuses to sign without keys.
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      });
    }
    // The stack's S3 (UNLOAD's files): the endpoint writes there, the extractors read and delete.
    if ((kind === 'data-api' || kind === 'extractor') && input.stack.S3_ENDPOINT !== undefined)
      Object.assign(environment, {
        S3_ENDPOINT: input.stack.S3_ENDPOINT,
        ...localS3Credentials,
        ...(kind === 'extractor'
          ? {
              REDSHIFT_UNLOAD_S3_URI: input.stack.REDSHIFT_UNLOAD_S3_URI ?? '',
              REDSHIFT_UNLOAD_IAM_ROLE: input.stack.REDSHIFT_UNLOAD_IAM_ROLE ?? '',
            }
          : {}),
      });
    return { name, kind, port, environment };
  });
}

export function serviceMain(repositoryRoot: string, kind: ServiceKind): string {
  return path.join(repositoryRoot, 'dist', 'apps', kind, 'src', 'main.js');
}

export interface ServiceStartOptions {
  repositoryRoot: string;
  logDirectory: string;
  healthTimeoutMs?: number;
  /** Each service writes a V8 CPU profile (.cpuprofile) here when it exits (`bench --cpu-profile`). */
  cpuProfileDirectory?: string;
}

export async function startService(spec: ServiceSpec, options: ServiceStartOptions): Promise<ServiceProcess> {
  const main = serviceMain(options.repositoryRoot, spec.kind);
  if (!fs.existsSync(main)) throw new ServiceMainMissingError(spec.kind, main);
  fs.mkdirSync(options.logDirectory, { recursive: true });
  const logFile = path.join(options.logDirectory, `${spec.name}.log`);
  const out = fs.openSync(logFile, 'a');
  const profile =
    options.cpuProfileDirectory === undefined
      ? []
      : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDirectory}`];
  const child = spawn(
    process.execPath,
    [...profile, '-r', require.resolve('tsconfig-paths/register'), main],
    {
      cwd: options.repositoryRoot,
      detached: true,
      stdio: ['ignore', out, out],
      env: {
        ...process.env,
        // The @qupersync/* aliases must resolve to compiled libs under dist/.
        TS_NODE_PROJECT: path.join(options.repositoryRoot, 'tsconfig.json'),
        TS_NODE_BASEURL: path.join(options.repositoryRoot, 'dist'),
        ...spec.environment,
      },
    },
  );
  fs.closeSync(out);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${spec.name}`);
  const started: ServiceProcess = {
    name: spec.name,
    kind: spec.kind,
    pid: child.pid,
    port: spec.port,
    logFile,
    marker: main,
  };
  try {
    await waitForHealth(started, options.healthTimeoutMs ?? 60_000);
  } catch (error) {
    await stopService(started);
    throw error;
  }
  return started;
}

export async function waitForHealth(
  service: Pick<ServiceProcess, 'name' | 'pid' | 'port' | 'logFile'>,
  timeoutMs: number,
): Promise<void> {
  const url = `http://127.0.0.1:${service.port}/health`;
  try {
    await waitFor(
      async () => {
        if (!isProcessAlive(service.pid)) throw new FatalWaitError(`${service.name} exited`);
        const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
        return response.status === 200;
      },
      { timeoutMs, intervalMs: 300, what: `${service.name} at ${url}` },
    );
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${reason}\n--- last lines of ${service.logFile} ---\n${tailFile(service.logFile)}`);
  }
}

export async function stopService(
  service: Pick<ServiceProcess, 'pid' | 'marker'>,
  timeoutMs = 10_000,
): Promise<void> {
  if (processMatches(service.pid, service.marker)) await stopProcess(service.pid, timeoutMs);
}

/**
 * Starts the Data API endpoint and the coordinator first (the others call them or depend on
 * the state schema the coordinator migrates), then the rest in parallel. On any failure
 * everything this call started is stopped again.
 */
export async function startServices(
  specs: readonly ServiceSpec[],
  options: ServiceStartOptions,
): Promise<ServiceProcess[]> {
  const first = specs.filter((spec) => spec.kind === 'data-api' || spec.kind === 'coordinator');
  const rest = specs.filter((spec) => !first.includes(spec));
  const started: ServiceProcess[] = [];
  try {
    for (const wave of [first, rest]) {
      const results = await Promise.allSettled(wave.map((spec) => startService(spec, options)));
      for (const result of results) if (result.status === 'fulfilled') started.push(result.value);
      const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failure) throw failure.reason;
    }
  } catch (error) {
    await Promise.all(started.map((service) => stopService(service)));
    throw error;
  }
  return started;
}
