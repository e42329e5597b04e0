// OTLP export of the batch spans (issue 14): when OTEL_EXPORTER_OTLP_ENDPOINT is set, every span a
// service records (the extractor's publish, the transformer's transform, the loader's load of one
// batch, linked by the W3C trace context in the Kafka headers) is sent to `<endpoint>/v1/traces`
// as OTLP/HTTP JSON, in batches, at most once a second. Tracing must never cost the pipeline: a
// collector that is down or slow loses spans (counted, logged once a minute), never batches, and
// the buffer is bounded.
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { JsonLogger } from './json.logger';

export interface BatchSpan {
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly startMs: number;
  readonly endMs: number;
  readonly attributes: Readonly<Record<string, string | number>>;
}

const maxBufferedSpans = 10_000;
const flushIntervalMs = 1_000;
const sendTimeoutMs = 5_000;

function attribute(
  key: string,
  value: string | number,
): { key: string; value: Record<string, string | number> } {
  return {
    key,
    value:
      typeof value === 'number' && Number.isInteger(value)
        ? { intValue: String(value) }
        : { stringValue: String(value) },
  };
}

/** Milliseconds since the epoch as OTLP's nanosecond string (exact for whole and fractional ms). */
function nanos(ms: number): string {
  return (BigInt(Math.round(ms * 1000)) * 1000n).toString();
}

@Injectable()
export class SpanExporter implements OnApplicationShutdown {
  private readonly logger = new JsonLogger(SpanExporter.name);
  private endpoint: string | null = null;
  private serviceName = 'qupersync';
  private buffer: BatchSpan[] = [];
  private timer: NodeJS.Timeout | null = null;
  private dropped = 0;
  private lastComplaintMs = 0;

  /** Turns export on (the service's boot, from its typed configuration); off when `endpoint` is undefined. */
  configure(serviceName: string, endpoint: string | undefined): void {
    this.serviceName = serviceName;
    this.endpoint = endpoint === undefined ? null : endpoint.replace(/\/+$/, '');
    if (this.endpoint !== null && this.timer === null) {
      this.timer = setInterval(() => void this.flush(), flushIntervalMs);
      this.timer.unref();
      this.logger.info('exporting batch spans over OTLP', { endpoint: `${this.endpoint}/v1/traces` });
    }
  }

  get enabled(): boolean {
    return this.endpoint !== null;
  }

  /**
   * Records a span of `trace` (a TraceContext: trace, span and parent ids) that began at `startMs`
   * and ends now.
   */
  recordEnded(
    name: string,
    trace: Pick<BatchSpan, 'traceId' | 'spanId' | 'parentSpanId'>,
    startMs: number,
    attributes: BatchSpan['attributes'],
  ): void {
    this.record({
      name,
      traceId: trace.traceId,
      spanId: trace.spanId,
      parentSpanId: trace.parentSpanId,
      startMs,
      endMs: Date.now(),
      attributes,
    });
  }

  record(span: BatchSpan): void {
    if (this.endpoint === null) return;
    if (this.buffer.length >= maxBufferedSpans) {
      this.dropped += 1;
      return;
    }
    this.buffer.push(span);
  }

  /** Sends what is buffered; a failure drops those spans (tracing is best effort). */
  async flush(): Promise<void> {
    if (this.endpoint === null || this.buffer.length === 0) return;
    const spans = this.buffer;
    this.buffer = [];
    try {
      const response = await fetch(`${this.endpoint}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(this.document(spans)),
        signal: AbortSignal.timeout(sendTimeoutMs),
      });
      if (!response.ok) throw new Error(`the collector answered ${response.status}`);
    } catch (error) {
      this.dropped += spans.length;
      if (Date.now() - this.lastComplaintMs > 60_000) {
        this.lastComplaintMs = Date.now();
        this.logger.warn('trace spans not exported', {
          endpoint: this.endpoint,
          droppedSoFar: this.dropped,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }

  /** OTLP/HTTP JSON: one resource (this service), one scope, the spans. */
  document(spans: readonly BatchSpan[]): unknown {
    return {
      resourceSpans: [
        {
          resource: { attributes: [attribute('service.name', `qupersync-${this.serviceName}`)] },
          scopeSpans: [
            {
              scope: { name: 'qupersync' },
              spans: spans.map((span) => ({
                traceId: span.traceId,
                spanId: span.spanId,
                ...(span.parentSpanId === null ? {} : { parentSpanId: span.parentSpanId }),
                name: span.name,
                // SPAN_KIND_PRODUCER for the extractor's publish, CONSUMER for the others.
                kind: span.parentSpanId === null ? 4 : 5,
                startTimeUnixNano: nanos(span.startMs),
                endTimeUnixNano: nanos(Math.max(span.startMs, span.endMs)),
                attributes: Object.entries(span.attributes).map(([key, value]) => attribute(key, value)),
              })),
            },
          ],
        },
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}
