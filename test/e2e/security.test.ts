// Security on the real stack: a jobs file that tries SQL injection stops a service before any
// SQL runs; secrets (database password, AWS secret key, API token) never reach the logs of a
// full run; the coordinator's API demands its bearer token, and will not start without one unless
// COORDINATOR_API_AUTH=none says so; services bind loopback unless HTTP_HOST says otherwise.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAllTypesTable, executeSql } from '@qupersync/testing';
import { repositoryRoot } from '../../tools/stack';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(180_000);

const suffix = uniqueSuffix();
const table = `e2e_secrets_${suffix}`;
const job = `e2e-secrets-${suffix}`;
const secrets = {
  databasePassword: `db-pw-${suffix}-Zq7`,
  awsSecret: `aws-secret-${suffix}-Xk9`,
  apiToken: `api-token-${suffix}-Wm3`,
};

it('refuses to start on a jobs file whose names try SQL injection, naming the job and field', () => {
  const directory = mkdtempSync(join(tmpdir(), 'qupersync-injection-'));
  const jobsFile = join(directory, 'jobs.yaml');
  writeFileSync(
    jobsFile,
    [
      'jobs:',
      '  - name: orders',
      '    source: { table: "public.orders; DROP TABLE users; --" }',
      '    target: { table: public.orders }',
      '    primary_key: [id]',
      '',
    ].join('\n'),
  );
  const result = startCoordinator({ QUPERSYNC_JOBS_FILE: jobsFile, COORDINATOR_API_TOKEN: secrets.apiToken });
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(
    /job orders, field source\.table: "public\.orders; DROP TABLE users; --" is not a valid \[schema\.\]table name/,
  );
  expect(result.stderr).not.toMatch(/ECONNREFUSED|connect/);
});

/** Runs the coordinator's main until it exits (a configuration error ends it at once). */
function startCoordinator(
  environment: Record<string, string>,
): ReturnType<typeof spawnSync> & { stderr: string } {
  const result = spawnSync(
    process.execPath,
    ['-r', 'tsconfig-paths/register', join(repositoryRoot, 'dist/apps/coordinator/src/main.js')],
    {
      cwd: repositoryRoot,
      encoding: 'utf8',
      timeout: 30_000,
      env: {
        ...process.env,
        COORDINATOR_API_TOKEN: '',
        TS_NODE_PROJECT: join(repositoryRoot, 'tsconfig.json'),
        TS_NODE_BASEURL: join(repositoryRoot, 'dist'),
        QUPERSYNC_JOBS_FILE: join(repositoryRoot, 'config', 'jobs.yaml'),
        HTTP_PORT: '0',
        // Nothing listens here: had the service tried any SQL, the error would be a connection error.
        DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none',
        KAFKA_BROKERS: '127.0.0.1:9',
        ...environment,
      },
    },
  );
  return { ...result, stderr: String(result.stderr) };
}

it('will not start an API without a bearer token unless COORDINATOR_API_AUTH=none says so', () => {
  const missing = startCoordinator({});
  expect(missing.status).toBe(1);
  expect(missing.stderr).toMatch(/COORDINATOR_API_TOKEN.*is required \(or set COORDINATOR_API_AUTH=none/);
  const short = startCoordinator({ COORDINATOR_API_TOKEN: 'short' });
  expect(short.status).toBe(1);
  expect(short.stderr).toMatch(/COORDINATOR_API_TOKEN.*must be at least 16 characters/);
});

describe('a full run with secrets configured', () => {
  let pipeline: PipelineHarness;

  beforeAll(async () => {
    await createAllTypesTable(process.env.WAREHOUSE_DATABASE_URL ?? '', table, 1_000);
    await executeSql(process.env.DATABASE_URL ?? '', `DROP TABLE IF EXISTS public.${table}`);
    const databaseUrl = new URL(process.env.DATABASE_URL ?? '');
    databaseUrl.password = secrets.databasePassword; // the local cluster trusts loopback, so any password works
    pipeline = await PipelineHarness.start([{ name: job, table, mode: 'full' }], {
      environment: {
        DATABASE_URL: databaseUrl.toString(),
        AWS_SECRET_ACCESS_KEY: secrets.awsSecret,
        COORDINATOR_API_TOKEN: secrets.apiToken,
        LOG_LEVEL: 'debug',
      },
    });
  });

  afterAll(async () => {
    await pipeline?.stop();
  });

  it('demands the bearer token', async () => {
    const response = await fetch(`${pipeline.coordinatorUrl}/jobs`);
    expect(response.status).toBe(401);
    const health = await fetch(`${pipeline.coordinatorUrl}/health`);
    expect(health.status).toBe(200);
  });

  it('binds its HTTP servers to loopback only', async () => {
    const outside = Object.values(networkInterfaces())
      .flat()
      .find((address) => address !== undefined && address.family === 'IPv4' && !address.internal);
    const port = new URL(pipeline.coordinatorUrl).port;
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    // A machine without another interface has nothing to check from outside.
    if (outside === undefined) return;
    await expect(fetch(`http://${outside.address}:${port}/health`)).rejects.toThrow();
  });

  it('keeps every secret out of every log line', async () => {
    const run = await pipeline.triggerAndWait(job);
    expect(run).toMatchObject({ status: 'succeeded', rowsLoaded: 1_000 });
    const logs = readdirSync(pipeline.logDirectory).map((file) =>
      readFileSync(join(pipeline.logDirectory, file), 'utf8'),
    );
    expect(logs.join('').length).toBeGreaterThan(1_000);
    for (const secret of Object.values(secrets)) {
      expect(logs.filter((text) => text.includes(secret))).toEqual([]);
    }
  });
});
