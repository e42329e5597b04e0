// The local Redshift Data API endpoint, driven by the unmodified AWS SDK client and by the
// @qupersync/redshift gateway: lifecycle, paging, type metadata and Field shapes, parameters,
// failures, injected throttling, and the AWS-shaped errors.
import { randomUUID } from 'node:crypto';
import { Server } from 'node:http';
import {
  CancelStatementCommand,
  DescribeStatementCommand,
  type DescribeStatementResponse,
  ExecuteStatementCommand,
  type ExecuteStatementCommandInput,
  type Field,
  GetStatementResultCommand,
  GetStatementResultV2Command,
  ListStatementsCommand,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { parseEnvironment, redshiftEnvironmentSchema } from '@qupersync/config';
import { QuperSyncError } from '@qupersync/contracts';
import {
  type QueryResult,
  RedshiftDataGateway,
  type RedshiftDataGatewayOptions,
  resolveStatementTarget,
  type SourceRecord,
  type SourceValue,
  toSourceValue,
} from '@qupersync/redshift';
import { createDataApiApplication, dataApiOptions, type FaultSettings } from '../../apps/data-api/src';

// Several tests poll a statement through its states; on a loaded machine that outlasts jest's
// default 5 s, and a test cut short leaves its pg_sleep holding the active-statement quota.
jest.setTimeout(30_000);

const warehouseUrl = process.env.WAREHOUSE_DATABASE_URL ?? '';
const schema = `data_api_it_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
const pageMaxRecords = 40;
const maxActiveStatements = 6;

// ---- test data factories ------------------------------------------------------------------

interface TypeCase {
  readonly column: string;
  readonly sqlType: string;
  /** The SQL literal stored in the sample row. */
  readonly literal: string;
  readonly typeName: string;
  readonly expected: Field;
  readonly precision?: number;
  readonly scale?: number;
}

function typeCase(
  column: string,
  sqlType: string,
  typeName: string,
  literal: string,
  expected: Field,
  extra: Partial<TypeCase> = {},
): TypeCase {
  return { column, sqlType, typeName, literal, expected, ...extra };
}

const sqlText = (value: string): string => `'${value.replace(/'/g, "''")}'`;

function buildTypeCases(): TypeCase[] {
  const bigint = '9223372036854775807';
  const decimal = '1234567890123456789012345678.0123456789';
  const unicode = 'naïve 😀 𝄞 text';
  const document = '{"a": [1, "😀"], "b": null}';
  const bytes = [0, 255, 65, 10];
  return [
    typeCase('small_value', 'smallint', 'int2', '-32768', { longValue: -32768 }),
    typeCase('int_value', 'integer', 'int4', '2147483647', { longValue: 2147483647 }),
    // Like the real service, longValue is a JSON number: digits above 2^53 are lost.
    typeCase('big_value', 'bigint', 'int8', bigint, { longValue: Number(bigint) }),
    typeCase(
      'decimal_value',
      'numeric(38,10)',
      'numeric',
      sqlText(decimal),
      { stringValue: decimal },
      { precision: 38, scale: 10 },
    ),
    typeCase('real_value', 'real', 'float4', '1.5', { doubleValue: 1.5 }),
    typeCase('double_value', 'double precision', 'float8', '0.1', { doubleValue: 0.1 }),
    typeCase('flag', 'boolean', 'bool', 'true', { booleanValue: true }),
    typeCase('code', 'char(5)', 'char', sqlText('ab'), { stringValue: 'ab   ' }, { precision: 5 }),
    typeCase('empty_label', 'varchar(20)', 'varchar', sqlText(''), { stringValue: '' }, { precision: 20 }),
    typeCase('note', 'text', 'text', sqlText(unicode), { stringValue: unicode }),
    typeCase('day', 'date', 'date', sqlText('2024-02-29'), { stringValue: '2024-02-29' }),
    typeCase('happened_at', 'timestamp(6)', 'timestamp', sqlText('2024-01-02 03:04:05.123456'), {
      stringValue: '2024-01-02 03:04:05.123456',
    }),
    typeCase('seen_at', 'timestamptz', 'timestamptz', sqlText('2024-01-02 03:04:05.000001+02'), {
      stringValue: '2024-01-02 01:04:05.000001+00',
    }),
    typeCase('clock', 'time', 'time', sqlText('23:59:59.999999'), { stringValue: '23:59:59.999999' }),
    typeCase('clock_tz', 'timetz', 'timetz', sqlText('10:00:00.5+02'), { stringValue: '10:00:00.5+02' }),
    typeCase('document', 'jsonb', 'super', sqlText(document), { stringValue: document }),
    typeCase('raw_document', 'json', 'super', sqlText('{"x":1}'), { stringValue: '{"x":1}' }),
    typeCase('payload', 'bytea', 'varbyte', `'\\x${Buffer.from(bytes).toString('hex')}'::bytea`, {
      blobValue: new Uint8Array(bytes),
    }),
  ];
}

async function withWarehouse<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: warehouseUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** One row of samples (id 1) and one row of NULLs in every column (id 2). */
async function createTypesTable(cases: readonly TypeCase[]): Promise<string> {
  const table = `${schema}.all_types`;
  await withWarehouse(async (client) => {
    await client.query(
      `CREATE TABLE ${table} (id integer NOT NULL, ${cases.map((c) => `${c.column} ${c.sqlType}`).join(', ')})`,
    );
    await client.query(
      `INSERT INTO ${table} VALUES (1, ${cases.map((c) => c.literal).join(', ')}), (2, ${cases.map(() => 'NULL').join(', ')})`,
    );
  });
  return table;
}

async function createNumbersTable(rows: number): Promise<string> {
  const table = `${schema}.numbers_${rows}`;
  await withWarehouse(async (client) => {
    await client.query(`CREATE TABLE ${table} (id bigint NOT NULL, label text NOT NULL)`);
    await client.query(`INSERT INTO ${table} SELECT g, 'row-' || g FROM generate_series(1, $1::int) g`, [
      rows,
    ]);
  });
  return table;
}

/** The message PostgreSQL itself gives for `sql`, to compare with the endpoint's Error. */
async function databaseErrorOf(sql: string): Promise<string> {
  return withWarehouse(async (client) => {
    try {
      await client.query(sql);
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
    throw new Error(`expected ${sql} to fail`);
  });
}

// ---- harness --------------------------------------------------------------------------------

let app: INestApplication;
let endpoint: string;
let client: RedshiftDataClient;
const gateways: RedshiftDataGateway[] = [];

function target(): Pick<ExecuteStatementCommandInput, 'WorkgroupName' | 'Database'> {
  return { WorkgroupName: 'local-workgroup', Database: 'dev' };
}

function gatewayEnvironment() {
  return parseEnvironment(redshiftEnvironmentSchema, {
    REDSHIFT_DATA_API_ENDPOINT: endpoint,
    REDSHIFT_WORKGROUP_NAME: 'local-workgroup',
    REDSHIFT_DATABASE: 'dev',
    REDSHIFT_POLL_INTERVAL_MS: '5',
  });
}

function createGateway(overrides: Partial<RedshiftDataGatewayOptions> = {}): RedshiftDataGateway {
  const gateway = new RedshiftDataGateway({
    environment: gatewayEnvironment(),
    backoff: { baseDelayMs: 5, maxDelayMs: 40 },
    ...overrides,
  });
  gateways.push(gateway);
  return gateway;
}

async function runGatewayQuery(
  gateway: RedshiftDataGateway,
  sql: string,
  parameters?: Record<string, string>,
): Promise<QueryResult> {
  return gateway.runQuery({ sql, parameters, target: resolveStatementTarget(gatewayEnvironment()) });
}

async function collectPages(result: QueryResult): Promise<SourceRecord[][]> {
  const pages: SourceRecord[][] = [];
  for await (const page of result.pages()) pages.push(page);
  return pages;
}

async function setFaults(faults: Partial<FaultSettings>): Promise<FaultSettings> {
  const response = await fetch(`${endpoint}/_local/faults`, {
    method: 'POST',
    body: JSON.stringify(faults),
    headers: { 'content-type': 'application/json' },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as FaultSettings;
}

async function resetFaults(): Promise<void> {
  const response = await fetch(`${endpoint}/_local/faults`, { method: 'DELETE' });
  expect(response.status).toBe(200);
}

async function execute(sql: string, extra: Partial<ExecuteStatementCommandInput> = {}): Promise<string> {
  const output = await client.send(new ExecuteStatementCommand({ Sql: sql, ...target(), ...extra }));
  expect(output.Id).toMatch(/^[0-9a-f-]{36}$/);
  return output.Id ?? '';
}

async function describe_(id: string): Promise<DescribeStatementResponse> {
  return client.send(new DescribeStatementCommand({ Id: id }));
}

const terminal = new Set(['FINISHED', 'FAILED', 'ABORTED']);

async function waitUntil(
  id: string,
  predicate: (status: string) => boolean,
  timeoutMs = 15_000,
): Promise<{ final: DescribeStatementResponse; seen: string[] }> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const description = await describe_(id);
    const status = description.Status ?? '';
    if (seen[seen.length - 1] !== status) seen.push(status);
    if (predicate(status)) return { final: description, seen };
    if (Date.now() > deadline) throw new Error(`statement ${id} still ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const waitUntilDone = (id: string) => waitUntil(id, (status) => terminal.has(status));

beforeAll(async () => {
  if (warehouseUrl === '')
    throw new Error('WAREHOUSE_DATABASE_URL is not set (test/global-setup.ts provides it)');
  await withWarehouse((warehouse) => warehouse.query(`CREATE SCHEMA ${schema}`));
  app = await createDataApiApplication(
    dataApiOptions(warehouseUrl, { pageMaxRecords, maxActiveStatements, maxRetainedResults: 4 }),
  );
  await app.listen(0, '127.0.0.1');
  const server: unknown = app.getHttpServer();
  const address = server instanceof Server ? server.address() : null;
  if (address === null || typeof address === 'string')
    throw new Error('the endpoint is not listening on a TCP port');
  endpoint = `http://127.0.0.1:${address.port}`;
  client = new RedshiftDataClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});

afterEach(async () => {
  if (endpoint !== undefined) await resetFaults();
});

afterAll(async () => {
  for (const gateway of gateways) gateway.onModuleDestroy();
  client?.destroy();
  await app?.close();
  if (warehouseUrl !== '')
    await withWarehouse((warehouse) => warehouse.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
});

// ---- the suites ------------------------------------------------------------------------------

describe('local Data API endpoint with the AWS SDK client', () => {
  it('answers /health', async () => {
    const response = await fetch(`${endpoint}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok' });
  });

  it('walks a statement through SUBMITTED, PICKED, STARTED and FINISHED', async () => {
    await setFaults({ statementQueueDelayMs: 150 });
    const sql = 'SELECT pg_sleep(0.3) AS slept, 1 AS one';
    const id = await execute(sql);
    const { final, seen } = await waitUntilDone(id);
    expect(seen[0]).toBe('SUBMITTED');
    expect(seen).toContain('STARTED');
    const order = ['SUBMITTED', 'PICKED', 'STARTED', 'FINISHED'];
    expect(seen.map((status) => order.indexOf(status))).toEqual(
      [...seen.map((status) => order.indexOf(status))].sort((a, b) => a - b),
    );
    expect(final).toMatchObject({
      Id: id,
      Status: 'FINISHED',
      HasResultSet: true,
      ResultRows: 1,
      QueryString: sql,
    });
    expect(final.Duration).toBeGreaterThanOrEqual(250_000_000);
    expect(final.ResultSize).toBeGreaterThan(0);
    expect(final.CreatedAt).toBeInstanceOf(Date);
    expect(final.UpdatedAt?.getTime()).toBeGreaterThanOrEqual(final.CreatedAt?.getTime() ?? Infinity);
  });

  it('pages a large result so that every row arrives exactly once', async () => {
    const rows = pageMaxRecords * 5 + 17;
    const table = await createNumbersTable(rows);
    const id = await execute(`SELECT id, label FROM ${table} ORDER BY id`);
    expect((await waitUntilDone(id)).final).toMatchObject({ Status: 'FINISHED', ResultRows: rows });
    const ids: number[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new GetStatementResultCommand({ Id: id, NextToken: nextToken }));
      pages += 1;
      expect(page.TotalNumRows).toBe(rows);
      expect(page.Records?.length).toBeLessThanOrEqual(pageMaxRecords);
      for (const record of page.Records ?? []) ids.push(Number(record[0]?.longValue));
      nextToken = page.NextToken;
    } while (nextToken !== undefined);
    expect(pages).toBe(Math.ceil(rows / pageMaxRecords));
    expect(ids).toEqual(Array.from({ length: rows }, (_, index) => index + 1));
    // Fully read results are released; the statement itself stays describable.
    expect((await describe_(id)).Status).toBe('FINISHED');
  });

  it('reports Redshift type names and shapes every Field like the real service, NULL included', async () => {
    const cases = buildTypeCases();
    const table = await createTypesTable(cases);
    const id = await execute(`SELECT * FROM ${table} ORDER BY id`);
    expect((await waitUntilDone(id)).final.Status).toBe('FINISHED');
    const result = await client.send(new GetStatementResultCommand({ Id: id }));
    const metadata = result.ColumnMetadata ?? [];
    expect(metadata.map((column) => column.typeName)).toEqual(['int4', ...cases.map((c) => c.typeName)]);
    expect(metadata[0]).toMatchObject({
      name: 'id',
      label: 'id',
      nullable: 0,
      schemaName: schema,
      tableName: 'all_types',
      isSigned: true,
    });
    for (const [index, typeCaseItem] of cases.entries()) {
      const column = metadata[index + 1];
      expect(column).toMatchObject({ name: typeCaseItem.column, nullable: 1 });
      if (typeCaseItem.precision !== undefined) expect(column?.precision).toBe(typeCaseItem.precision);
      if (typeCaseItem.scale !== undefined) expect(column?.scale).toBe(typeCaseItem.scale);
    }
    expect(result.TotalNumRows).toBe(2);
    const [samples, nulls] = result.Records ?? [];
    expect(samples).toEqual([{ longValue: 1 }, ...cases.map((c) => c.expected)]);
    expect(nulls).toEqual([{ longValue: 2 }, ...cases.map(() => ({ isNull: true }))]);
  });

  it('binds :name parameters without touching casts or quoted text', async () => {
    const id = await execute(
      "SELECT :name::text AS name, :n::int4 + 1 AS next, ':name' AS literal, 'it''s' AS quoted",
      {
        Parameters: [
          { name: 'name', value: "O'Brien 😀" },
          { name: 'n', value: '41' },
        ],
      },
    );
    expect((await waitUntilDone(id)).final.Status).toBe('FINISHED');
    const result = await client.send(new GetStatementResultCommand({ Id: id }));
    expect(result.Records).toEqual([
      [{ stringValue: "O'Brien 😀" }, { longValue: 42 }, { stringValue: ':name' }, { stringValue: "it's" }],
    ]);
  });

  it('binds parameters as VARCHAR, as Redshift does: a number compared with one uncast fails', async () => {
    // On Redshift this compares as text (id > '999' skips ids); the local endpoint refuses it.
    const table = await createNumbersTable(4);
    const id = await execute(`SELECT id FROM ${table} WHERE id > :after`, {
      Parameters: [{ name: 'after', value: '1' }],
    });
    const { final } = await waitUntilDone(id);
    expect(final.Status).toBe('FAILED');
    expect(final.Error).toMatch(/operator does not exist: bigint > character varying/);
  });

  it('refuses an empty parameter value, as the Data API does', async () => {
    await expect(
      client.send(
        new ExecuteStatementCommand({
          Sql: 'SELECT CAST(:v AS VARCHAR(5))',
          Parameters: [{ name: 'v', value: '' }],
          ...target(),
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('ends a statement the database rejects as FAILED with the database message', async () => {
    const sql = `SELECT * FROM ${schema}.does_not_exist`;
    const id = await execute(sql);
    const { final } = await waitUntilDone(id);
    expect(final.Status).toBe('FAILED');
    expect(final.Error).toBe(await databaseErrorOf(sql));
    expect(final.HasResultSet).toBe(false);
  });

  it('runs statements without a result set and reports affected rows', async () => {
    const table = await createNumbersTable(3);
    const id = await execute(`UPDATE ${table} SET label = label || '!' WHERE id >= CAST(:from AS INTEGER)`, {
      Parameters: [{ name: 'from', value: '2' }],
    });
    expect((await waitUntilDone(id)).final).toMatchObject({
      Status: 'FINISHED',
      HasResultSet: false,
      ResultRows: 2,
    });
    await expect(client.send(new GetStatementResultCommand({ Id: id }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('serves the CSV result format through GetStatementResultV2', async () => {
    const id = await execute("SELECT 1 AS a, NULL::text AS b, '' AS c, 'x,\"y\"' AS d", {
      ResultFormat: 'CSV',
    });
    expect((await waitUntilDone(id)).final.Status).toBe('FINISHED');
    const result = await client.send(new GetStatementResultV2Command({ Id: id }));
    expect(result.ResultFormat).toBe('CSV');
    expect(result.Records).toEqual([{ CSVRecords: 'a,b,c,d\n1,,"","x,""y"""\n' }]);
    await expect(client.send(new GetStatementResultCommand({ Id: id }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it('answers ResourceNotFoundException for an unknown id', async () => {
    const unknown = randomUUID();
    await expect(describe_(unknown)).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(client.send(new GetStatementResultCommand({ Id: unknown }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('answers ValidationException without WorkgroupName or ClusterIdentifier', async () => {
    await expect(
      client.send(new ExecuteStatementCommand({ Sql: 'SELECT 1', Database: 'dev' })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(
      client.send(new ExecuteStatementCommand({ Sql: 'SELECT :missing', ...target() })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('cancels a running statement and lists statements by name', async () => {
    const statementName = `cancel-${randomUUID()}`;
    const id = await execute('SELECT pg_sleep(30)', { StatementName: statementName });
    await waitUntil(id, (status) => status === 'STARTED');
    expect((await client.send(new CancelStatementCommand({ Id: id }))).Status).toBe(true);
    expect((await waitUntilDone(id)).final.Status).toBe('ABORTED');
    await expect(client.send(new CancelStatementCommand({ Id: id }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    const listed = await client.send(
      new ListStatementsCommand({ StatementName: statementName, Status: 'ALL' }),
    );
    expect(listed.Statements?.map((statement) => [statement.Id, statement.Status])).toEqual([
      [id, 'ABORTED'],
    ]);
  });

  it('refuses more active statements than configured', async () => {
    await setFaults({ statementQueueDelayMs: 2_000 });
    const ids = await Promise.all(Array.from({ length: maxActiveStatements }, () => execute('SELECT 1')));
    await expect(execute('SELECT 1')).rejects.toMatchObject({ name: 'ActiveStatementsExceededException' });
    await Promise.all(ids.map((id) => client.send(new CancelStatementCommand({ Id: id }))));
  });

  it('folds delimited identifiers to lower case and reports lower-case column names, as Redshift does', async () => {
    const id = await execute(
      'SELECT q."ID", q."Label" AS "Named" FROM (SELECT 7 AS id, \'x\' AS label) AS q',
    );
    expect((await waitUntilDone(id)).final.Status).toBe('FINISHED');
    const result = await client.send(new GetStatementResultCommand({ Id: id }));
    expect(result.ColumnMetadata?.map((column) => column.name)).toEqual(['id', 'named']);
    expect(result.Records?.[0]?.[0]?.longValue).toBe(7);
  });

  it('holds DescribeStatement with WaitTimeSeconds until the statement has ended', async () => {
    const id = await execute('SELECT pg_sleep(0.6) AS slept');
    const asked = Date.now();
    const described = await client.send(new DescribeStatementCommand({ Id: id, WaitTimeSeconds: 10 }));
    const heldMs = Date.now() - asked;
    expect(described.Status).toBe('FINISHED');
    expect(heldMs).toBeGreaterThanOrEqual(400);
    expect(heldMs).toBeLessThan(5_000);
    // A statement still running when the wait passes is described as it is.
    const slow = await execute('SELECT pg_sleep(5)');
    const early = await client.send(new DescribeStatementCommand({ Id: slow, WaitTimeSeconds: 1 }));
    expect(['SUBMITTED', 'PICKED', 'STARTED']).toContain(early.Status);
    await client.send(new CancelStatementCommand({ Id: slow }));
  });

  it.each([
    ['QueryTimeoutException', 400, 'client'],
    ['DatabaseConnectionException', 500, 'server'],
    ['ExecuteStatementException', 500, 'server'],
    ['ActiveStatementsExceededException', 400, 'client'],
  ] as const)('answers %s with HTTP %d as a %s fault, as the service does', async (name, status, fault) => {
    await setFaults({ failNextRequests: 1, failRequestsWith: name });
    let thrown: unknown;
    try {
      await execute('SELECT 1');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ name, $fault: fault, $metadata: { httpStatusCode: status } });
  });

  it('returns throttling as an AWS JSON 1.1 error', async () => {
    await setFaults({ throttleNextRequests: 1 });
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'RedshiftData.ListStatements',
      },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('ThrottlingException');
    expect(await response.json()).toEqual({ __type: 'ThrottlingException', message: 'Rate exceeded' });
  });
});

describe('RedshiftDataGateway against the local endpoint', () => {
  const flatten = (fields: readonly Field[]): SourceValue[] => fields.map(toSourceValue);

  it('returns columns and lazily paged records', async () => {
    const rows = pageMaxRecords * 3 + 1;
    const table = await createNumbersTable(rows);
    const result = await runGatewayQuery(
      createGateway(),
      `SELECT id, label FROM ${table} WHERE id >= CAST(:first AS BIGINT) ORDER BY id`,
      { first: '1' },
    );
    expect(result.columns).toEqual([
      { name: 'id', typeName: 'int8', precision: 19, scale: 0, nullable: false, caseSensitive: false },
      { name: 'label', typeName: 'text', precision: 0, scale: 0, nullable: false, caseSensitive: true },
    ]);
    expect(result.totalRows).toBe(rows);
    const pages = await collectPages(result);
    expect(pages).toHaveLength(4);
    expect(pages.flat().map((record) => record[0])).toEqual(
      Array.from({ length: rows }, (_, index) => index + 1),
    );
    expect(pages.flat()[0]).toEqual([1, 'row-1']);
  });

  it('reads CSV pages as text records, the header dropped and quoting undone', async () => {
    const rows = pageMaxRecords * 2 + 3;
    const table = await createNumbersTable(rows);
    const result = await createGateway().runQuery({
      sql: `SELECT id, label || ', "quoted"' || E'\\n' || 'next line' AS label, NULL::text AS nothing, '' AS empty FROM ${table} ORDER BY id`,
      target: resolveStatementTarget(gatewayEnvironment()),
      resultFormat: 'CSV',
    });
    expect(result.columns.map((column) => column.name)).toEqual(['id', 'label', 'nothing', 'empty']);
    const pages = await collectPages(result);
    expect(pages).toHaveLength(3);
    const records = pages.flat();
    expect(records).toHaveLength(rows);
    // Every value is text; NULL and '' both read as '' here, which is why the extractor's
    // statements carry a NULL-flags column.
    expect(records[0]).toEqual(['1', 'row-1, "quoted"\nnext line', '', '']);
    expect(records.at(-1)?.[0]).toBe(String(rows));
  });

  it('flattens every type, NULL included', async () => {
    const cases = buildTypeCases();
    const table = `${schema}.all_types`;
    const result = await runGatewayQuery(createGateway(), `SELECT * FROM ${table} ORDER BY id`);
    expect(result.columns.map((column) => column.typeName)).toEqual([
      'int4',
      ...cases.map((c) => c.typeName),
    ]);
    const [samples, nulls] = (await collectPages(result)).flat();
    expect(samples).toEqual([1, ...flatten(cases.map((c) => c.expected))]);
    expect(nulls).toEqual([2, ...cases.map(() => null)]);
  });

  it('raises SOURCE_STATEMENT_FAILED with the database message', async () => {
    const sql = `SELECT 1 / (id - id) FROM ${schema}.all_types`;
    const expected = await databaseErrorOf(sql);
    const failure = runGatewayQuery(createGateway(), sql);
    await expect(failure).rejects.toBeInstanceOf(QuperSyncError);
    await expect(failure).rejects.toMatchObject({
      code: 'SOURCE_STATEMENT_FAILED',
      errorClass: 'permanent',
      message: expected,
    });
  });

  it('raises SOURCE_STATEMENT_FAILED with an injected failure message', async () => {
    await setFaults({
      failStatementsMatching: 'injected_marker',
      failureMessage: 'ERROR: disk full (injected)',
    });
    await expect(runGatewayQuery(createGateway(), 'SELECT 1 AS injected_marker')).rejects.toMatchObject({
      code: 'SOURCE_STATEMENT_FAILED',
      message: 'ERROR: disk full (injected)',
    });
  });

  it('retries throttled calls and succeeds', async () => {
    await setFaults({ throttleNextRequests: 4 });
    const result = await runGatewayQuery(createGateway(), 'SELECT 7 AS seven');
    expect((await collectPages(result)).flat()).toEqual([[7]]);
    const faults = await (await fetch(`${endpoint}/_local/faults`)).json();
    expect(faults).toMatchObject({ throttleNextRequests: 0 });
  });

  it('gives up with a transient SOURCE_THROTTLED error when throttling persists', async () => {
    await setFaults({ throttleNextRequests: 1_000 });
    await expect(runGatewayQuery(createGateway({ maxAttempts: 3 }), 'SELECT 1')).rejects.toMatchObject({
      code: 'SOURCE_THROTTLED',
      errorClass: 'transient',
      message: 'Rate exceeded',
    });
  });

  it.each([
    ['QueryTimeoutException', 'SOURCE_UNAVAILABLE'],
    ['DatabaseConnectionException', 'SOURCE_UNAVAILABLE'],
    ['ExecuteStatementException', 'SOURCE_UNAVAILABLE'],
    ['ActiveStatementsExceededException', 'SOURCE_THROTTLED'],
  ] as const)('retries %s, and gives up on it as a transient %s', async (name, code) => {
    await setFaults({ failNextRequests: 3, failRequestsWith: name });
    const result = await runGatewayQuery(createGateway(), 'SELECT 7 AS seven');
    expect((await collectPages(result)).flat()).toEqual([[7]]);

    await setFaults({ failNextRequests: 1_000, failRequestsWith: name });
    await expect(runGatewayQuery(createGateway({ maxAttempts: 3 }), 'SELECT 1')).rejects.toMatchObject({
      code,
      errorClass: 'transient',
    });
    await resetFaults();
  });

  it('waits for a statement with held DescribeStatement calls, not a poll every few milliseconds', async () => {
    // The real SDK client, counting the commands it sends.
    const counted = new RedshiftDataClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    const calls = new Map<string, number>();
    counted.middlewareStack.add(
      (next, context) => (args) => {
        calls.set(context.commandName ?? '?', (calls.get(context.commandName ?? '?') ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize' },
    );
    await setFaults({ statementQueueDelayMs: 1_500 });
    const result = await runGatewayQuery(createGateway({ client: counted }), 'SELECT 8 AS eight');
    expect((await collectPages(result)).flat()).toEqual([[8]]);
    // Polling every 5 ms (this gateway's REDSHIFT_POLL_INTERVAL_MS) growing to 2 s would take
    // about ten calls over 1.5 s; one held call (WaitTimeSeconds) answers when it finishes.
    expect(calls.get('DescribeStatementCommand')).toBe(1);
    await resetFaults();
  });

  it('retries on network errors and gives up as SOURCE_UNAVAILABLE', async () => {
    const unreachable = new RedshiftDataGateway({
      environment: parseEnvironment(redshiftEnvironmentSchema, {
        REDSHIFT_DATA_API_ENDPOINT: 'http://127.0.0.1:9',
        REDSHIFT_WORKGROUP_NAME: 'w',
      }),
      maxAttempts: 2,
      backoff: { baseDelayMs: 1, maxDelayMs: 2 },
    });
    gateways.push(unreachable);
    await expect(
      unreachable.runQuery({ sql: 'SELECT 1', target: { workgroupName: 'w', database: 'dev' } }),
    ).rejects.toMatchObject({
      code: 'SOURCE_UNAVAILABLE',
      errorClass: 'transient',
    });
  });
});
