// W3C trace context in Kafka headers (issue 14, observability): each batch's trace starts in the
// extractor and is continued by the transformer and the loader, so one batch can be followed
// through the three services' logs by its trace id, each span naming the one before it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKeyedTable } from '@qupersync/testing';
import { z } from 'zod';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(120_000);

const suffix = uniqueSuffix();
const table = `e2e_trace_${suffix}`;
const job = `e2e-trace-${suffix}`;
let pipeline: PipelineHarness;

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
  await createKeyedTable(process.env.WAREHOUSE_DATABASE_URL ?? '', table, 1200);
  pipeline = await PipelineHarness.start([{ name: job, table, batchSize: 500 }]);
});

afterAll(async () => {
  await pipeline?.stop();
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
