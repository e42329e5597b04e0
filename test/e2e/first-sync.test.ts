// The whole path with real parts: the Data API endpoint over the warehouse database, Kafka, and
// the four services as processes. A full sync, an incremental sync with rows that tie on the
// watermark, and an idempotent trigger — each checked value by value against the source.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAllTypesTable, executeSql, tableFingerprint } from '@qupersync/testing';
import {
  findFreePorts,
  planServices,
  repositoryRoot,
  startServices,
  stopService,
  type ServiceProcess,
} from '../../tools/stack';

jest.setTimeout(240_000);

interface RunSummary {
  runId: string;
  status: string;
  rowsExtracted: number;
  rowsLoaded: number;
  batches: number | null;
  failedBatches: number;
  error: string | null;
}

const suffix = Date.now().toString(36);
const table = `e2e_orders_${suffix}`;
const job = `e2e-orders-${suffix}`;
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';

let services: ServiceProcess[] = [];
let coordinatorUrl = '';

async function api<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`${coordinatorUrl}${path}`, {
    ...init,
    headers: { 'content-type': 'application/json' },
  });
  const body: unknown = await response.json();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
  return body as T;
}

async function triggerAndWait(body: Record<string, string>): Promise<RunSummary> {
  const { runId } = await api<{ runId: string }>(`/jobs/${job}/runs`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  const deadline = Date.now() + 180_000;
  for (;;) {
    const run = await api<RunSummary>(`/runs/${runId}`);
    if (run.status === 'succeeded' || run.status === 'failed') return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not end: ${JSON.stringify(run)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  await createAllTypesTable(warehouseUrl(), table, 12_345);
  await executeSql(databaseUrl(), `DROP TABLE IF EXISTS public.${table}`);
  const directory = mkdtempSync(join(tmpdir(), 'qupersync-e2e-'));
  const jobsFile = join(directory, 'jobs.yaml');
  writeFileSync(
    jobsFile,
    [
      'jobs:',
      `  - name: ${job}`,
      `    source: { table: public.${table} }`,
      `    target: { table: public.${table} }`,
      '    primary_key: [id]',
      '    mode: incremental',
      '    watermark: updated_at',
      '    batch_size: 1000',
      '',
    ].join('\n'),
  );
  const ports = await findFreePorts(5);
  const specs = planServices({
    stack: {
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '',
      DATABASE_URL: databaseUrl(),
      WAREHOUSE_DATABASE_URL: warehouseUrl(),
    },
    loaders: 1,
    ports,
    jobsFile,
    logLevel: 'info',
  });
  services = await startServices(specs, { repositoryRoot, logDirectory: join(directory, 'logs') });
  coordinatorUrl = `http://127.0.0.1:${specs.find((spec) => spec.kind === 'coordinator')?.port ?? 0}`;
});

afterAll(async () => {
  await Promise.all(services.map((service) => stopService(service)));
});

it('syncs every row and every value of a full run, then only the changed rows incrementally', async () => {
  const full = await triggerAndWait({ mode: 'full' });
  expect(full).toMatchObject({
    status: 'succeeded',
    rowsExtracted: 12_345,
    rowsLoaded: 12_345,
    batches: 13,
    failedBatches: 0,
  });
  expect(await tableFingerprint(databaseUrl(), table)).toEqual(await tableFingerprint(warehouseUrl(), table));

  // First incremental run sets the watermark; everything is already there, nothing changes.
  const first = await triggerAndWait({ mode: 'incremental' });
  expect(first).toMatchObject({ status: 'succeeded', rowsExtracted: 12_345 });

  // New rows that share the stored watermark value (the strict ">" trap), then updates.
  await executeSql(
    warehouseUrl(),
    `INSERT INTO public.${table} (id, updated_at, note) SELECT 9107199254740000 + g, (SELECT max(updated_at) FROM public.${table}), 'tie ' || g FROM generate_series(1, 5) g`,
  );
  await executeSql(
    warehouseUrl(),
    `UPDATE public.${table} SET note = 'changed', updated_at = updated_at + INTERVAL '1 day' WHERE id % 1000 = 7`,
  );
  const second = await triggerAndWait({ mode: 'incremental' });
  expect(second).toMatchObject({ status: 'succeeded', rowsExtracted: 13 + 5, failedBatches: 0 });
  expect(await tableFingerprint(databaseUrl(), table)).toEqual(await tableFingerprint(warehouseUrl(), table));

  const idle = await triggerAndWait({ mode: 'incremental' });
  expect(idle).toMatchObject({ status: 'succeeded', rowsExtracted: 0, batches: 0 });
});

it('starts one run for one request key, however often it is sent', async () => {
  const requestKey = `e2e-${suffix}-once`;
  const first = await api<{ runId: string }>(`/jobs/${job}/runs`, {
    method: 'POST',
    body: JSON.stringify({ requestKey }),
  });
  const again = await api<{ runId: string }>(`/jobs/${job}/runs`, {
    method: 'POST',
    body: JSON.stringify({ requestKey }),
  });
  expect(again.runId).toBe(first.runId);
});

it('answers an unknown job with 404 and a malformed body with 400', async () => {
  await expect(api('/jobs/no-such-job/runs', { method: 'POST', body: '{}' })).rejects.toThrow(/404/);
  await expect(
    api(`/jobs/${job}/runs`, { method: 'POST', body: JSON.stringify({ mode: 'sideways' }) }),
  ).rejects.toThrow(/400/);
});
