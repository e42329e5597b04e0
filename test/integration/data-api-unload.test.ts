// UNLOAD on the local Data API endpoint, through the unmodified AWS SDK client, into a real
// S3-compatible server (s3rver): the files per slice and the manifest as the UNLOAD page describes
// them, values as the CSV results print them, Redshift's refusals, and a cancelled UNLOAD that
// leaves its connection fit for the next statement.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CancelStatementCommand,
  DescribeStatementCommand,
  type DescribeStatementResponse,
  ExecuteStatementCommand,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { INestApplication } from '@nestjs/common';
import { parseUnloadManifest, readParquetRows } from '@qupersync/object-store';
import { executeSql } from '@qupersync/testing';
import { createDataApiApplication, dataApiOptions } from '../../apps/data-api/src';
import { localS3Credentials, localUnloadBucket, startS3Server, type S3ServerHandle } from '../../tools/stack';

const warehouseUrl = process.env.WAREHOUSE_DATABASE_URL ?? '';
const table = `unload_it_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
const role = "IAM_ROLE 'arn:aws:iam::000000000000:role/unload'";

jest.setTimeout(60_000);

let s3: S3ServerHandle;
let app: INestApplication;
let client: RedshiftDataClient;
let objects: S3Client;

beforeAll(async () => {
  s3 = await startS3Server({ directory: mkdtempSync(join(tmpdir(), 'qupersync-s3-it-')) });
  // The endpoint's S3 client takes its keys from the SDK's usual chain, as in the stack.
  Object.assign(process.env, localS3Credentials);
  app = await createDataApiApplication(
    dataApiOptions(warehouseUrl, { s3Endpoint: s3.url, unloadSlices: 3, unloadPartBytes: 4096 }),
  );
  await app.listen(0, '127.0.0.1');
  const server: unknown = app.getHttpServer();
  const address = server instanceof Server ? server.address() : null;
  if (address === null || typeof address === 'string') throw new Error('not listening on a TCP port');
  client = new RedshiftDataClient({
    endpoint: `http://127.0.0.1:${address.port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  objects = s3.client();
  await executeSql(
    warehouseUrl,
    `CREATE TABLE public.${table} AS
       SELECT g AS id, CASE WHEN g % 3 = 0 THEN NULL WHEN g % 3 = 1 THEN '' ELSE 'a,"b"' || E'\\n' || g END AS note
         FROM generate_series(1, 1000) g`,
  );
});

afterAll(async () => {
  client?.destroy();
  objects?.destroy();
  await app?.close();
  await s3?.close();
  if (warehouseUrl !== '') await executeSql(warehouseUrl, `DROP TABLE IF EXISTS public.${table}`);
});

async function run(sql: string): Promise<DescribeStatementResponse> {
  const { Id } = await client.send(
    new ExecuteStatementCommand({ Sql: sql, WorkgroupName: 'local', Database: 'warehouse' }),
  );
  for (;;) {
    const described = await client.send(new DescribeStatementCommand({ Id }));
    if (['FINISHED', 'FAILED', 'ABORTED'].includes(described.Status ?? '')) return described;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function text(key: string): Promise<string> {
  const response = await objects.send(new GetObjectCommand({ Bucket: localUnloadBucket, Key: key }));
  return (await response.Body?.transformToString()) ?? '';
}

async function keysUnder(prefix: string): Promise<string[]> {
  const listed = await objects.send(new ListObjectsV2Command({ Bucket: localUnloadBucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((object) => object.Key ?? '').sort();
}

it('writes files per slice, cut at the part size, and a verbose manifest that counts every row', async () => {
  const prefix = `it/${randomUUID()}/`;
  const described = await run(
    `UNLOAD ('SELECT id, note FROM public.${table} WHERE id > 0 AND COALESCE(note, '''') <> ''x''') TO 's3://${localUnloadBucket}/${prefix}' ${role} FORMAT AS CSV MANIFEST VERBOSE PARALLEL ON`,
  );
  expect(described).toMatchObject({ Status: 'FINISHED', HasResultSet: false, ResultRows: 1000 });
  const keys = await keysUnder(prefix);
  expect(keys).toContain(`${prefix}manifest`);
  const files = keys.filter((key) => key !== `${prefix}manifest`);
  expect(new Set(files.map((key) => key.slice(prefix.length, prefix.length + 4)))).toEqual(
    new Set(['0000', '0001', '0002']),
  );
  for (const key of files) expect(key.slice(prefix.length)).toMatch(/^000[0-2]_part_\d{2}$/);
  const manifest = parseUnloadManifest(await text(`${prefix}manifest`));
  expect(manifest.entries.map((entry) => entry.url).sort()).toEqual(
    files.map((key) => `s3://${localUnloadBucket}/${key}`),
  );
  expect(manifest.recordCount).toBe(1000);
  expect(manifest.entries.reduce((sum, entry) => sum + (entry.recordCount ?? 0), 0)).toBe(1000);
  // NULL as an empty field, '' as "", quotes doubled and line breaks kept inside quotes.
  const all = (await Promise.all(files.map((key) => text(key)))).join('');
  expect(all).toContain('\n3,\n');
  expect(all).toContain('\n4,""\n');
  expect(all).toContain('\n5,"a,""b""\n5"\n');
  // The destination is not empty now: Redshift refuses to write over it.
  const again = await run(`UNLOAD ('SELECT 1') TO 's3://${localUnloadBucket}/${prefix}' ${role} FORMAT CSV`);
  expect(again.Status).toBe('FAILED');
  expect(again.Error).toMatch(/not empty.*ALLOWOVERWRITE/);
});

it('refuses what Redshift refuses, naming it', async () => {
  const prefix = `it/${randomUUID()}/`;
  const limited = await run(
    `UNLOAD ('SELECT * FROM public.${table} LIMIT 5') TO 's3://${localUnloadBucket}/${prefix}' ${role} FORMAT CSV`,
  );
  expect(limited.Status).toBe('FAILED');
  expect(limited.Error).toMatch(/Limit clause/);
  const unauthorised = await run(`UNLOAD ('SELECT 1') TO 's3://${localUnloadBucket}/${prefix}' FORMAT CSV`);
  expect(unauthorised.Status).toBe('FAILED');
  expect(unauthorised.Error).toMatch(/IAM_ROLE/);
});

it('cancels a running UNLOAD and serves the next statement on a healthy connection', async () => {
  const prefix = `it/${randomUUID()}/`;
  const { Id } = await client.send(
    new ExecuteStatementCommand({
      Sql: `UNLOAD ('SELECT pg_sleep(30)') TO 's3://${localUnloadBucket}/${prefix}' ${role} FORMAT CSV`,
      WorkgroupName: 'local',
      Database: 'warehouse',
    }),
  );
  for (;;) {
    const described = await client.send(new DescribeStatementCommand({ Id }));
    if (described.Status === 'STARTED') break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // The COPY is under way on the warehouse before the cancel is sent.
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect((await client.send(new CancelStatementCommand({ Id }))).Status).toBe(true);
  const started = Date.now();
  for (;;) {
    const described = await client.send(new DescribeStatementCommand({ Id }));
    if (described.Status === 'ABORTED') break;
    expect(described.Status).not.toBe('FINISHED');
    expect(Date.now() - started).toBeLessThan(10_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // Every pooled connection still works: more statements than the pool keeps idle.
  const next = await Promise.all(
    Array.from({ length: 4 }, (_, index) =>
      run(
        `UNLOAD ('SELECT ${index}') TO 's3://${localUnloadBucket}/${prefix}next-${index}/' ${role} FORMAT CSV`,
      ),
    ),
  );
  for (const described of next) expect(described).toMatchObject({ Status: 'FINISHED', ResultRows: 1 });
});

it('writes Parquet files per slice with the types Redshift gives them, and refuses VARBYTE', async () => {
  const prefix = `it/${randomUUID()}/`;
  const described = await run(
    `UNLOAD ('SELECT id, note, CAST(id / 3.0 AS DECIMAL(38,10)) AS third, DATE ''2024-02-29'' + id AS day FROM public.${table}') TO 's3://${localUnloadBucket}/${prefix}' ${role} FORMAT PARQUET MANIFEST VERBOSE`,
  );
  expect(described).toMatchObject({ Status: 'FINISHED', ResultRows: 1000 });
  const manifest = parseUnloadManifest(await text(`${prefix}manifest`));
  expect(manifest.entries.length).toBeGreaterThan(3);
  for (const entry of manifest.entries) expect(entry.url).toMatch(/\/000[0-2]_part_\d{2}\.parquet$/);
  const rows: unknown[][] = [];
  for (const entry of manifest.entries) {
    const key = entry.url.slice(`s3://${localUnloadBucket}/`.length);
    const response = await objects.send(new GetObjectCommand({ Bucket: localUnloadBucket, Key: key }));
    const bytes = Buffer.from((await response.Body?.transformToByteArray()) ?? []);
    expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
    const file = {
      byteLength: bytes.length,
      slice: (start: number, end?: number): ArrayBuffer => new Uint8Array(bytes.subarray(start, end)).buffer,
    };
    let count = 0;
    for await (const page of readParquetRows(file, { columns: 4, zoned: [] })) {
      rows.push(...page);
      count += page.length;
    }
    expect(count).toBe(entry.recordCount);
  }
  rows.sort((a, b) => Number(a[0]) - Number(b[0]));
  expect(rows).toHaveLength(1000);
  // int (id) and NULL apart from '' (note), an exact DECIMAL(38,10) and a DATE.
  expect(rows.slice(2, 5)).toEqual([
    [3, null, '1.0000000000', '2024-03-03'],
    [4, '', '1.3333333333', '2024-03-04'],
    [5, 'a,"b"\n5', '1.6666666667', '2024-03-05'],
  ]);
  const binary = await run(
    `UNLOAD ('SELECT decode(''ff'', ''hex'') AS payload') TO 's3://${localUnloadBucket}/${prefix}bytes/' ${role} FORMAT PARQUET`,
  );
  expect(binary.Status).toBe('FAILED');
  expect(binary.Error).toMatch(/PARQUET cannot write column "payload" \(varbyte\)/);
});
