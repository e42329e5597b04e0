// The gateway against responses the real Data API gave, as AWS documents them (see
// recorded-responses/SOURCES.md), replayed over HTTP to the real AWS SDK client: the formats the
// gateway parses are pinned to the service's own, not only to our local endpoint's idea of it.
// Only what is recorded is replayed; where AWS publishes no example (NULL fields, decimals,
// NextToken paging, a Data API error body), the local endpoint's tests cover the behaviour.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseEnvironment, redshiftEnvironmentSchema } from '@qupersync/config';
import { RedshiftDataGateway } from './redshift-data.gateway';
import type { SourceRecord } from './source-record';

interface Reply {
  readonly status: number;
  readonly body: string;
}

function recorded(name: string, status = 200): Reply {
  return { status, body: readFileSync(join(__dirname, 'recorded-responses', name), 'utf8') };
}

/** Answers each Data API operation (X-Amz-Target) with its queued recorded replies, in order. */
class ReplayServer {
  private readonly queues = new Map<string, Reply[]>();
  readonly asked: string[] = [];
  private server: Server | undefined;

  queue(operation: string, ...replies: Reply[]): void {
    this.queues.set(operation, [...(this.queues.get(operation) ?? []), ...replies]);
  }

  async start(): Promise<string> {
    this.server = createServer((request, response) => this.answer(request, response));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address: AddressInfo | string | null = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('the replay server has no port');
    return `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server === undefined ? resolve() : this.server.close(() => resolve()),
    );
  }

  private answer(request: IncomingMessage, response: ServerResponse): void {
    request.resume();
    request.on('end', () => {
      const operation = String(request.headers['x-amz-target'] ?? '').replace(/^RedshiftData\./, '');
      this.asked.push(operation);
      const reply = this.queues.get(operation)?.shift();
      response.writeHead(reply?.status ?? 500, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(
        reply?.body ??
          JSON.stringify({ __type: 'InternalServerException', Message: `no reply for ${operation}` }),
      );
    });
  }
}

let server: ReplayServer;
let gateway: RedshiftDataGateway;

beforeEach(async () => {
  server = new ReplayServer();
  const endpoint = await server.start();
  gateway = new RedshiftDataGateway({
    environment: parseEnvironment(redshiftEnvironmentSchema, {
      REDSHIFT_DATA_API_ENDPOINT: endpoint,
      REDSHIFT_CLUSTER_IDENTIFIER: 'mycluster-test',
      REDSHIFT_WAIT_TIME_SECONDS: '0',
      REDSHIFT_POLL_INTERVAL_MS: '1',
    }),
    maxAttempts: 2,
    backoff: { baseDelayMs: 1, maxDelayMs: 2 },
  });
});

afterEach(async () => {
  gateway.onModuleDestroy();
  await server.stop();
});

const target = { clusterIdentifier: 'mycluster-test', database: 'dev' };

async function allRecords(pages: AsyncIterable<SourceRecord[]>): Promise<SourceRecord[]> {
  const records: SourceRecord[] = [];
  for await (const page of pages) records.push(...page);
  return records;
}

describe('RedshiftDataGateway on recorded Data API responses', () => {
  it('reads a result although DescribeStatement leaves HasResultSet out, as the recorded one does', async () => {
    server.queue('ExecuteStatement', recorded('ExecuteStatement.mgmtguide.1.json'));
    server.queue('DescribeStatement', recorded('DescribeStatement.mgmtguide.1.json'));
    server.queue('GetStatementResult', recorded('GetStatementResult.mgmtguide.2.json'));
    const result = await gateway.runQuery({ sql: 'select * from stl_query limit 1', target });
    expect(result.redshiftQueryId).toBe(48879);
    expect(result.resultBytes).toBe(4489);
    expect(result.totalRows).toBe(1);
    expect(result.columns.map((column) => [column.name, column.typeName])).toEqual([
      ['userid', 'int4'],
      ['query', 'int4'],
      ['label', 'bpchar'],
      ['xid', 'int8'],
      ['pid', 'int4'],
      ['database', 'bpchar'],
      ['querytxt', 'bpchar'],
      ['starttime', 'timestamp'],
      ['endtime', 'timestamp'],
      ['aborted', 'int4'],
      ['insert_pristine', 'int4'],
      ['concurrency_scaling_status', 'int4'],
    ]);
    const [record] = await allRecords(result.pages());
    // Timestamps arrive as the text Redshift printed, trailing zeros of the fraction trimmed.
    expect(record?.[7]).toBe('2020-08-21 17:33:51.88712');
    expect(record?.[8]).toBe('2020-08-21 17:33:52.974306');
    expect(server.asked).toEqual(['ExecuteStatement', 'DescribeStatement', 'GetStatementResult']);
  });

  it('maps longValue and stringValue fields, and nullable and precision, as recorded', async () => {
    server.queue('ExecuteStatement', recorded('ExecuteStatement.mgmtguide.2.json'));
    server.queue('DescribeStatement', recorded('DescribeStatement.mgmtguide.1.json'));
    server.queue('GetStatementResult', recorded('GetStatementResult.mgmtguide.1.json'));
    const result = await gateway.runQuery({
      sql: 'select * from event where eventid = :id',
      parameters: { id: '1' },
      target,
    });
    expect(await allRecords(result.pages())).toEqual([[1, 1, 1, 1, 'event 1', '2022-02-22 00:00:00.0']]);
    const starttime = result.columns[5];
    expect(starttime).toMatchObject({ name: 'starttime', typeName: 'timestamp', precision: 29, scale: 6 });
    expect(result.columns.map((column) => column.nullable)).toEqual([false, false, false, false, true, true]);
  });

  it('reads the recorded CSV page: CRLF records and a header row dropped', async () => {
    server.queue('ExecuteStatement', recorded('ExecuteStatement.mgmtguide.1.json'));
    server.queue('DescribeStatement', recorded('DescribeStatement.mgmtguide.1.json'));
    server.queue('GetStatementResultV2', recorded('GetStatementResultV2.mgmtguide-getresult-page.1.json'));
    const result = await gateway.runQuery({
      sql: 'SELECT col1, col2, col3 FROM testingtable',
      target,
      resultFormat: 'CSV',
    });
    expect(result.columns.map((column) => column.name)).toEqual(['col1', 'col2', 'col3']);
    expect(await allRecords(result.pages())).toEqual([
      ['1', '2', '3'],
      ['4', '5', '6'],
      ['7', '8', '9'],
    ]);
  });

  it('reads the recorded JSON page of the same statement to the same values', async () => {
    server.queue('ExecuteStatement', recorded('ExecuteStatement.mgmtguide.1.json'));
    server.queue('DescribeStatement', recorded('DescribeStatement.mgmtguide.1.json'));
    server.queue('GetStatementResult', recorded('GetStatementResult.mgmtguide-getresult-page.3.json'));
    const result = await gateway.runQuery({ sql: 'SELECT col1, col2, col3 FROM testingtable', target });
    expect(await allRecords(result.pages())).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
  });

  // The SDK's own protocol tests' error bodies for this protocol (awsJson1_1): the error's type
  // is read from `__type` whatever namespace or URI surrounds it, and a 4xx is refused at once
  // while a 5xx is retried.
  it('refuses a 4xx error body at once and retries a 5xx one, in the shapes the protocol tests record', async () => {
    server.queue('ExecuteStatement', recorded('Error.smithy-awsjson11.1.json', 400));
    await expect(gateway.runQuery({ sql: 'select 1', target })).rejects.toMatchObject({
      code: 'SOURCE_STATEMENT_FAILED',
      errorClass: 'permanent',
    });
    expect(server.asked).toEqual(['ExecuteStatement']);

    server.asked.length = 0;
    server.queue(
      'ExecuteStatement',
      recorded('Error.smithy-awsjson11.7.json', 500),
      recorded('Error.smithy-awsjson11.6.json', 500),
    );
    await expect(gateway.runQuery({ sql: 'select 1', target })).rejects.toMatchObject({
      code: 'SOURCE_UNAVAILABLE',
      errorClass: 'transient',
    });
    expect(server.asked).toEqual(['ExecuteStatement', 'ExecuteStatement']);
  });
});
