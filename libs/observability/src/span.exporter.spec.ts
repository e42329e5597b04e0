import { SpanExporter } from './span.exporter';

describe('SpanExporter', () => {
  it('writes OTLP/HTTP JSON: the service as the resource, ids, parent, nanosecond times, typed attributes', () => {
    const exporter = new SpanExporter();
    exporter.configure('loader', 'http://collector:4318/');
    expect(
      exporter.document([
        {
          name: 'load batch',
          traceId: 'a'.repeat(32),
          spanId: 'b'.repeat(16),
          parentSpanId: 'c'.repeat(16),
          startMs: 1_700_000_000_000.5,
          endMs: 1_700_000_000_250,
          attributes: { 'qupersync.sequence': 3, 'qupersync.job': 'orders' },
        },
      ]),
    ).toEqual({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'qupersync-loader' } }] },
          scopeSpans: [
            {
              scope: { name: 'qupersync' },
              spans: [
                {
                  traceId: 'a'.repeat(32),
                  spanId: 'b'.repeat(16),
                  parentSpanId: 'c'.repeat(16),
                  name: 'load batch',
                  kind: 5,
                  startTimeUnixNano: '1700000000000500000',
                  endTimeUnixNano: '1700000000250000000',
                  attributes: [
                    { key: 'qupersync.sequence', value: { intValue: '3' } },
                    { key: 'qupersync.job', value: { stringValue: 'orders' } },
                  ],
                },
              ],
            },
          ],
        },
      ],
    });
  });

  it('sends nothing when no endpoint is configured', async () => {
    const fetchSpy = jest.spyOn(globalThis, 'fetch');
    try {
      const exporter = new SpanExporter();
      exporter.configure('loader', undefined);
      exporter.record({
        name: 'x',
        traceId: '1',
        spanId: '2',
        parentSpanId: null,
        startMs: 0,
        endMs: 0,
        attributes: {},
      });
      await exporter.flush();
      expect(exporter.enabled).toBe(false);
      expect(fetchSpy).not.toHaveBeenCalled();
    } finally {
      fetchSpy.mockRestore();
    }
  });
});
