import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from 'avsc';
import { batchEventCodec, BatchEventMessage, batchEventId } from './batch-event.message';

const event: BatchEventMessage = {
  eventId: 'e-1',
  runId: '0b5e8c55-8d4c-4f55-9c1c-1d7a3c1f0c11',
  job: 'orders',
  kind: 'batch_loaded',
  sequence: 4,
  rowCount: 10,
  rowsWritten: 10,
  rowsDeadLettered: 0,
  cursorFrom: null,
  cursorTo: null,
  totalBatches: null,
  errorCode: null,
  error: null,
  topic: null,
  partition: null,
  offset: null,
  service: 'loader',
  occurredAtMs: 1,
  extractionId: 'a-1',
};

describe('batchEventCodec', () => {
  it('round-trips the part of a split batch', () => {
    expect(batchEventCodec.decode(batchEventCodec.encode({ ...event, part: 2, parts: 3 }))).toMatchObject({
      part: 2,
      parts: 3,
    });
  });

  it('still decodes an event written before parts existed (a rolling upgrade)', () => {
    const previous = Type.forSchema(
      JSON.parse(readFileSync(join(__dirname, 'batch-event.before-parts.avsc'), 'utf8')) as Parameters<
        typeof Type.forSchema
      >[0],
    );
    const decoded = batchEventCodec.decode(previous.toBuffer(event));
    expect(decoded).toMatchObject({ ...event, part: null, parts: null });
  });

  it('round-trips the scan plan of a completed extraction, and decodes an event from before it', () => {
    const completed = {
      ...event,
      kind: 'extraction_completed' as const,
      scanPlan: 'sort_key_ranges',
      rowsScanned: 12,
    };
    expect(batchEventCodec.decode(batchEventCodec.encode(completed))).toMatchObject({
      scanPlan: 'sort_key_ranges',
      rowsScanned: 12,
    });
    const previous = Type.forSchema(
      JSON.parse(readFileSync(join(__dirname, 'batch-event.before-scan-plan.avsc'), 'utf8')) as Parameters<
        typeof Type.forSchema
      >[0],
    );
    expect(batchEventCodec.decode(previous.toBuffer({ ...event, part: 1, parts: 2 }))).toMatchObject({
      part: 1,
      parts: 2,
      scanPlan: null,
      rowsScanned: null,
    });
  });

  it('gives each part of a batch its own event id, and a whole batch the id it always had', () => {
    const identity = { runId: event.runId, extractionId: 'a-1', sequence: 4 };
    expect(batchEventId(identity, 'batch_loaded')).toBe(`${event.runId}:a-1:batch_loaded:4`);
    expect(batchEventId({ ...identity, part: null }, 'batch_loaded')).toBe(
      `${event.runId}:a-1:batch_loaded:4`,
    );
    expect(batchEventId({ ...identity, part: 1 }, 'batch_loaded')).toBe(
      `${event.runId}:a-1:batch_loaded:4.1`,
    );
  });
});
