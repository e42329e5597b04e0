// W3C Trace Context (https://www.w3.org/TR/trace-context/) for data batches: the extractor starts
// a trace per batch in a `traceparent` Kafka header, the transformer and the loader each continue
// it with a span of their own, and every service logs the batch with its trace and span ids, so
// one batch can be followed from extraction to load across the services' logs.
import { randomBytes } from 'node:crypto';

export const traceparentHeader = 'traceparent';

export interface TraceContext {
  readonly traceId: string;
  readonly spanId: string;
  /** The span this one continues (the previous service's), or null at the start of a trace. */
  readonly parentSpanId: string | null;
  /** The header value to send on: version 00, this span, sampled. */
  readonly traceparent: string;
}

const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** The trace and span ids of a `traceparent` value; undefined for anything that is not one (all-zero ids included). */
export function parseTraceparent(value: string | undefined): { traceId: string; spanId: string } | undefined {
  const match = value === undefined ? null : traceparentPattern.exec(value.trim());
  const traceId = match?.[1];
  const spanId = match?.[2];
  if (traceId === undefined || spanId === undefined) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId };
}

/** A new span continuing `parent` (a header value), or the first span of a new trace when there is none or it is invalid. */
export function continueTrace(parent?: string): TraceContext {
  const parsed = parseTraceparent(parent);
  const traceId = parsed?.traceId ?? randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return {
    traceId,
    spanId,
    parentSpanId: parsed?.spanId ?? null,
    traceparent: `00-${traceId}-${spanId}-01`,
  };
}

/** The fields a batch's log lines carry. */
export function traceFields(trace: TraceContext): Record<string, string> {
  return trace.parentSpanId === null
    ? { traceId: trace.traceId, spanId: trace.spanId }
    : { traceId: trace.traceId, spanId: trace.spanId, parentSpanId: trace.parentSpanId };
}
