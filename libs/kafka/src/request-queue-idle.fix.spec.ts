import { createRequire } from 'node:module';
import { installRequestQueueIdleFix } from './request-queue-idle.fix';

// The real kafkajs RequestQueue, not a stand-in: the spec fails if an upgrade changes its shape.
const RequestQueue: unknown = createRequire(__filename)('kafkajs/src/network/requestQueue');

class QueueUnderTest {
  constructor(private readonly queue: object) {}

  static create(): QueueUnderTest {
    if (typeof RequestQueue !== 'function') throw new Error('kafkajs RequestQueue not found');
    const logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    };
    const options = {
      maxInFlightRequests: 1,
      requestTimeout: 30_000,
      enforceRequestTimeout: true,
      clientId: 'spec',
      broker: 'broker:9092',
      logger,
    };
    const queue: unknown = Reflect.construct(RequestQueue, [options]);
    if (typeof queue !== 'object' || queue === null)
      throw new Error('kafkajs RequestQueue did not construct');
    return new QueueUnderTest(queue);
  }

  enqueue(): void {
    const pending: unknown = Reflect.get(this.queue, 'pending');
    if (!Array.isArray(pending)) throw new Error('kafkajs RequestQueue has no pending list');
    pending.push({});
  }

  throttleFor(ms: number): void {
    Reflect.set(this.queue, 'throttledUntil', Date.now() + ms);
  }

  scheduleCheckPendingRequests(): void {
    const method: unknown = Reflect.get(this.queue, 'scheduleCheckPendingRequests');
    if (typeof method !== 'function')
      throw new Error('kafkajs RequestQueue has no scheduleCheckPendingRequests');
    Reflect.apply(method, this.queue, []);
  }
}

describe('installRequestQueueIdleFix', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('leaves an idle connection without a timer (kafkajs rescheduled a check every millisecond)', () => {
    expect(installRequestQueueIdleFix()).toBe(true);
    const queue = QueueUnderTest.create();
    queue.scheduleCheckPendingRequests();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('still checks a queue that has requests waiting, at the end of a throttle', () => {
    expect(installRequestQueueIdleFix()).toBe(true);
    const queue = QueueUnderTest.create();
    queue.enqueue();
    queue.throttleFor(250);
    queue.scheduleCheckPendingRequests();
    expect(jest.getTimerCount()).toBe(1);
  });

  it('installs once however often it is called', () => {
    expect(installRequestQueueIdleFix()).toBe(true);
    expect(installRequestQueueIdleFix()).toBe(true);
    const queue = QueueUnderTest.create();
    queue.enqueue();
    queue.scheduleCheckPendingRequests();
    expect(jest.getTimerCount()).toBe(1);
  });
});
