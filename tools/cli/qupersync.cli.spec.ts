import { z } from 'zod';
import { CoordinatorClient } from './coordinator.client';
import type { RunView } from './coordinator-api.schema';
import { runCli, type CliIo } from './qupersync.cli';

const environment = {
  coordinatorUrl: 'http://coordinator.test',
  kafkaBrokers: ['kafka.test:9092'],
  apiToken: 'token-1',
  stackEnvError: undefined,
};

function runView(overrides: Partial<RunView>): RunView {
  return {
    runId: 'run-1',
    job: 'orders',
    mode: 'incremental',
    status: 'pending',
    requestKey: null,
    rowsExtracted: 0,
    rowsLoaded: 0,
    rowsDeadLettered: 0,
    rowsInvalid: 0,
    rowsRejected: 0,
    rowsStale: 0,
    batches: null,
    batchesLoaded: 0,
    failedBatches: 0,
    durationMs: null,
    error: null,
    warnings: [],
    scanPlan: null,
    rowsScanned: null,
    keys: null,
    rowsDeleted: 0,
    verifyReport: null,
    createdAt: '2025-01-01T00:00:00Z',
    finishedAt: null,
    ...overrides,
  };
}

type Route = (url: URL, init: RequestInit | undefined) => { status: number; body: unknown };

function harness(route: Route): {
  io: CliIo;
  out: string[];
  err: string[];
  requests: Array<{ url: string; init: RequestInit | undefined }>;
  client: CoordinatorClient;
} {
  const out: string[] = [];
  const err: string[] = [];
  const requests: Array<{ url: string; init: RequestInit | undefined }> = [];
  const fakeFetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    requests.push({ url: url.toString(), init });
    const { status, body } = route(url, init);
    return Promise.resolve(
      new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }),
    );
  };
  const client = new CoordinatorClient({
    baseUrl: 'http://coordinator.test/',
    apiToken: 'token-1',
    fetch: fakeFetch,
  });
  return {
    io: { stdout: (text) => out.push(text), stderr: (text) => err.push(text), interactive: false },
    out,
    err,
    requests,
    client,
  };
}

describe('runCli', () => {
  it('lists jobs as JSON with the bearer token', async () => {
    const jobs = [
      {
        name: 'orders',
        mode: 'full',
        sourceTable: 'public.orders',
        targetTable: 'public.orders',
        schedule: null,
        watermark: null,
        activeRunId: null,
      },
    ];
    const h = harness(() => ({ status: 200, body: jobs }));
    expect(await runCli(['jobs', '--json'], h.io, { environment, createClient: () => h.client })).toBe(0);
    expect(JSON.parse(h.out.join(''))).toEqual(jobs);
    expect(new Headers(h.requests[0]?.init?.headers).get('authorization')).toBe('Bearer token-1');
  });

  it('reports an unknown job with the API message and exit code 1', async () => {
    const h = harness(() => ({ status: 404, body: { statusCode: 404, message: 'unknown job "nope"' } }));
    expect(await runCli(['trigger', 'nope'], h.io, { environment, createClient: () => h.client })).toBe(1);
    expect(h.err.join('')).toContain('POST /jobs/nope/runs failed with 404: unknown job "nope"');
  });

  it('exits 2 with the usage on a bad flag', async () => {
    const h = harness(() => ({ status: 500, body: {} }));
    expect(
      await runCli(['trigger', 'orders', '--mode', 'x'], h.io, { environment, createClient: () => h.client }),
    ).toBe(2);
    expect(h.err.join('')).toContain('usage: qupersync');
    expect(h.requests).toHaveLength(0);
  });

  it('replay --wait --json posts the run filter, follows the keyed run and exits 0 on success', async () => {
    const runId = '6f1c1f5e-6a43-4a5e-9d61-0d8f1b2f9a10';
    const replayRun = runView({ runId: 'replay-1', mode: 'full', status: 'extracting', keys: 3 });
    const h = harness((url) =>
      url.pathname === '/jobs/orders/replay'
        ? {
            status: 202,
            body: { job: 'orders', run: replayRun, keys: 3, letters: 4, notReplayable: 1, remaining: 0 },
          }
        : { status: 200, body: { ...replayRun, status: 'succeeded', rowsExtracted: 3, rowsLoaded: 3 } },
    );
    const code = await runCli(['replay', 'orders', '--run', runId, '--wait', '--json'], h.io, {
      environment,
      createClient: () => h.client,
      pollIntervalMs: 1,
    });
    expect(code).toBe(0);
    const body = h.requests[0]?.init?.body;
    expect(typeof body === 'string' ? JSON.parse(body) : body).toEqual({ runId });
    const printed = z
      .object({ letters: z.number(), run: z.object({ status: z.string(), keys: z.number() }) })
      .parse(JSON.parse(h.out.join('')));
    expect(printed).toEqual({ letters: 4, run: { status: 'succeeded', keys: 3 } });
    expect(h.err.join('')).toContain('1 letter(s) have no key to re-extract');
  });

  it('replay says so when nothing is left to replay, and exits 0', async () => {
    const h = harness(() => ({
      status: 202,
      body: { job: 'orders', run: null, keys: 0, letters: 0, notReplayable: 0, remaining: 0 },
    }));
    expect(await runCli(['replay', 'orders'], h.io, { environment, createClient: () => h.client })).toBe(0);
    expect(h.out.join('')).toBe('nothing to replay for orders\n');
  });

  it('names the URL and the way to start the stack when the coordinator is down', async () => {
    const client = new CoordinatorClient({
      baseUrl: 'http://127.0.0.1:1',
      fetch: () =>
        Promise.reject(
          new TypeError('fetch failed', {
            cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
          }),
        ),
    });
    const h = harness(() => ({ status: 200, body: [] }));
    expect(await runCli(['jobs'], h.io, { environment, createClient: () => client })).toBe(1);
    expect(h.err.join('')).toMatch(
      /cannot reach the coordinator at http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED[\s\S]*npm run stack -- up/,
    );
  });

  it.each([
    ['succeeded', 0],
    ['failed', 1],
  ] as const)('trigger --wait polls until the run %s and exits %i', async (status, code) => {
    let polls = 0;
    const h = harness((url, init) => {
      if (init?.method === 'POST') {
        expect(JSON.parse(typeof init.body === 'string' ? init.body : '')).toEqual({
          mode: 'full',
          requestKey: 'k-1',
        });
        return { status: 202, body: { runId: 'run-1', job: 'orders', status: 'pending', coalesced: false } };
      }
      expect(url.pathname).toBe('/runs/run-1');
      polls += 1;
      return polls < 3
        ? { status: 200, body: runView({ status: 'loading', rowsExtracted: polls * 10 }) }
        : {
            status: 200,
            body: runView({
              status,
              rowsExtracted: 30,
              rowsLoaded: 30,
              batches: 3,
              batchesLoaded: 3,
              durationMs: 1200,
            }),
          };
    });
    const exit = await runCli(
      ['trigger', 'orders', '--mode', 'full', '--request-key', 'k-1', '--wait', '--json'],
      h.io,
      {
        environment,
        createClient: () => h.client,
        pollIntervalMs: 1,
      },
    );
    expect(exit).toBe(code);
    expect(JSON.parse(h.out.join(''))).toMatchObject({
      runId: 'run-1',
      status,
      rowsExtracted: 30,
      batches: 3,
      durationMs: 1200,
    });
    expect(h.err.join('')).toContain('batches 0/?');
  });

  it('trigger --via kafka publishes the trigger and follows it to the run it joined', async () => {
    const published: unknown[] = [];
    let lookups = 0;
    const h = harness((url) => {
      if (url.pathname === '/jobs/orders/requests/k-9') {
        // Not consumed yet on the first look; then joined to a follow-up run of another key.
        lookups += 1;
        return lookups === 1
          ? { status: 404, body: { statusCode: 404, message: 'not seen' } }
          : { status: 200, body: { job: 'orders', requestKey: 'k-9', runId: 'run-9', coalesced: true } };
      }
      expect(url.pathname).toBe('/runs/run-9');
      return {
        status: 200,
        body: runView({ runId: 'run-9', requestKey: 'other-key', status: 'succeeded', durationMs: 5 }),
      };
    });
    const exit = await runCli(
      ['trigger', 'orders', '--via', 'kafka', '--request-key', 'k-9', '--wait'],
      h.io,
      {
        environment,
        createClient: () => h.client,
        publishTrigger: (brokers, message) => {
          published.push({ brokers, message });
          return Promise.resolve();
        },
        pollIntervalMs: 1,
      },
    );
    expect(exit).toBe(0);
    expect(published).toEqual([
      {
        brokers: ['kafka.test:9092'],
        message: expect.objectContaining({ job: 'orders', requestKey: 'k-9', mode: null }),
      },
    ]);
    expect(h.out.join('')).toContain('run run-9 of orders succeeded');
  });
});
