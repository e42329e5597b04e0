import { continueTrace, parseTraceparent, traceFields } from './trace-context.header';

describe('trace context', () => {
  it('starts a trace with W3C ids when there is no parent', () => {
    const trace = continueTrace();
    expect(trace.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(trace.parentSpanId).toBeNull();
    expect(parseTraceparent(trace.traceparent)).toEqual({ traceId: trace.traceId, spanId: trace.spanId });
    expect(traceFields(trace)).toEqual({ traceId: trace.traceId, spanId: trace.spanId });
  });

  it('continues a parent: same trace, new span, the parent span remembered', () => {
    const first = continueTrace();
    const second = continueTrace(first.traceparent);
    expect(second.traceId).toBe(first.traceId);
    expect(second.spanId).not.toBe(first.spanId);
    expect(traceFields(second)).toEqual({
      traceId: first.traceId,
      spanId: second.spanId,
      parentSpanId: first.spanId,
    });
  });

  it.each([
    ['not a header'],
    ['01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01'],
  ])('starts a new trace instead of continuing an invalid parent: %s', (parent) => {
    expect(parseTraceparent(parent)).toBeUndefined();
    expect(continueTrace(parent).parentSpanId).toBeNull();
  });

  it('reads the example of the W3C recommendation', () => {
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
    });
  });
});
