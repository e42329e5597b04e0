// W3C trace context in Kafka headers (issue 14, observability): each batch's trace starts in the
// extractor and is continued by the transformer and the loader, so one batch can be followed
// through the three services' logs by its trace id, each span naming the one before it. With
// OTEL_EXPORTER_OTLP_ENDPOINT set, the same spans reach an OTLP/HTTP collector (a small server of
// this test's own), one resource per service, timed and attributed.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { createKeyedTable } from '@qupersync/testing';
import { z } from 'zod';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(120_000);

const suffix = uniqueSuffix();
const table = `e2e_trace_${suffix}`;
const job = `e2e-trace-${suffix}`;
let pipeline: PipelineHarness;
let collector: Server;
/** Every span the collector received, with the service.name of its resource. */
const exported: ExportedSpan[] = [];

const otlpSchema = z.object({
  resourceSpans: z.array(
    z.object({
      resource: z.object({
        attributes: z.array(
          z.object({ key: z.string(), value: z.object({ stringValue: z.string() }).partial() }),
        ),
      }),
      scopeSpans: z.array(
        z.object({
          spans: z.array(
            z.object({
              traceId: z.string(),
              spanId: z.string(),
              parentSpanId: z.string().optional(),
              name: z.string(),
              startTimeUnixNano: z.string(),
              endTimeUnixNano: z.string(),
              attributes: z.array(
                z.object({
                  key: z.string(),
                  value: z.object({ stringValue: z.string(), intValue: z.string() }).partial(),
                }),
              ),
            }),
          ),
        }),
      ),
    }),
  ),
});
interface ExportedSpan {
  readonly service: string;
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly durationNs: bigint;
  readonly runId: string | undefined;
  readonly sequence: number | undefined;
}

const batchLineSchema = z
  .object({
    message: z.string(),
    runId: z.string(),
    sequence: z.number(),
    traceId: z.string(),
    spanId: z.string(),
    parentSpanId: z.string().optional(),
  })
  .passthrough();
type BatchLine = z.infer<typeof batchLineSchema>;

/** The service's log lines about batches of `runId` with `message`, by sequence. */
function batchLines(service: string, message: string, runId: string): Map<number, BatchLine> {
  const lines = new Map<number, BatchLine>();
  for (const text of readFileSync(join(pipeline.logDirectory, `${service}.log`), 'utf8').split('\n')) {
    if (!text.startsWith('{')) continue;
    const parsed = batchLineSchema.safeParse(JSON.parse(text));
    if (parsed.success && parsed.data.message === message && parsed.data.runId === runId)
      lines.set(parsed.data.sequence, parsed.data);
  }
  return lines;
}

beforeAll(async () => {
  collector = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const document = otlpSchema.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      for (const resource of document.resourceSpans) {
        const service =
          resource.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
        for (const scope of resource.scopeSpans)
          for (const span of scope.spans) {
            const attribute = (key: string) => span.attributes.find((a) => a.key === key)?.value;
            exported.push({
              service,
              name: span.name,
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId,
              durationNs: BigInt(span.endTimeUnixNano) - BigInt(span.startTimeUnixNano),
              runId: attribute('qupersync.run_id')?.stringValue,
              sequence: Number(attribute('qupersync.sequence')?.intValue ?? NaN),
            });
          }
      }
      response.writeHead(request.url === '/v1/traces' ? 200 : 404).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const address = collector.address();
  if (address === null || typeof address === 'string') throw new Error('the collector has no TCP port');
  const { port } = address;
  await createKeyedTable(process.env.WAREHOUSE_DATABASE_URL ?? '', table, 1200);
  pipeline = await PipelineHarness.start([{ name: job, table, batchSize: 500 }], {
    environment: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` },
  });
});

afterAll(async () => {
  await pipeline?.stop();
  await new Promise((resolve) => collector?.close(resolve));
});

it('follows every batch from the extractor through the transformer to the loader by its trace id', async () => {
  const run = await pipeline.triggerAndWait(job);
  expect(run).toMatchObject({ status: 'succeeded', rowsLoaded: 1200 });

  const published = batchLines('extractor', 'batch published', run.runId);
  const transformed = batchLines('transformer', 'batch transformed', run.runId);
  const loaded = batchLines('loader', 'batch loaded', run.runId);
  expect([...published.keys()].sort()).toEqual([0, 1, 2]);
  const traces = new Set<string>();
  for (const [sequence, start] of published) {
    expect(start.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(start.parentSpanId).toBeUndefined();
    const middle = transformed.get(sequence);
    const end = loaded.get(sequence);
    expect(middle).toMatchObject({ traceId: start.traceId, parentSpanId: start.spanId });
    expect(end).toMatchObject({ traceId: start.traceId, parentSpanId: middle?.spanId });
    traces.add(start.traceId);
  }
  // One trace per batch.
  expect(traces.size).toBe(3);
});

it('exports the same spans to the OTLP collector: one per service and batch, linked and timed', async () => {
  // A full run: the job is incremental, and the first test's run has read every row already.
  const run = await pipeline.triggerAndWait(job, { mode: 'full' });
  expect(run.status).toBe('succeeded');
  const deadline = Date.now() + 15_000;
  const ofRun = (): ExportedSpan[] => exported.filter((span) => span.runId === run.runId);
  while (ofRun().length < 9 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 200));
  const spans = ofRun();
  expect(spans).toHaveLength(9);
  const published = batchLines('extractor', 'batch published', run.runId);
  for (const [sequence, start] of published) {
    const trace = spans.filter((span) => span.traceId === start.traceId);
    expect(trace.map((span) => [span.service, span.name, span.sequence]).sort()).toEqual([
      ['qupersync-extractor', 'publish batch', sequence],
      ['qupersync-loader', 'load batch', sequence],
      ['qupersync-transformer', 'transform batch', sequence],
    ]);
    const publish = trace.find((span) => span.name === 'publish batch');
    const transform = trace.find((span) => span.name === 'transform batch');
    const load = trace.find((span) => span.name === 'load batch');
    expect(publish).toMatchObject({ spanId: start.spanId, parentSpanId: undefined });
    expect(transform?.parentSpanId).toBe(publish?.spanId);
    expect(load?.parentSpanId).toBe(transform?.spanId);
    for (const span of trace) expect(span.durationNs).toBeGreaterThanOrEqual(0n);
  }
});
