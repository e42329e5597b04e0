// Stops kafkajs 2.2.4 from spinning a timer on every broker connection. Its RequestQueue
// reschedules its pending-request check after every check, even with nothing pending, and with no
// throttle the delay is negative, so the check runs every millisecond for as long as the
// connection lives (kafkajs issues #1556 and #1704; the fix, PR #1667, is not released). Measured
// here: 4 % of a core per idle service, and the same loop competes with the work under load.
// Nothing is lost by skipping it: a request that is queued schedules its own check, and every
// response that completes checks the queue again.
import { createRequire } from 'node:module';

interface RequestQueueState {
  readonly pending: readonly unknown[];
}

const methodName = 'scheduleCheckPendingRequests';
const installed = Symbol.for('qupersync.kafkajs.requestQueueIdleFix');

function requestQueuePrototype(): object | undefined {
  const loaded: unknown = createRequire(__filename)('kafkajs/src/network/requestQueue');
  if (typeof loaded !== 'function') return undefined;
  const prototype: unknown = loaded.prototype;
  return typeof prototype === 'object' && prototype !== null ? prototype : undefined;
}

/**
 * Installs the fix once per process; returns false when this kafkajs has no RequestQueue of the
 * expected shape (a newer release: its spec then fails, so the fix is reviewed, not silently lost).
 */
export function installRequestQueueIdleFix(): boolean {
  const prototype = requestQueuePrototype();
  if (prototype === undefined) return false;
  const original: unknown = Reflect.get(prototype, methodName);
  if (typeof original !== 'function') return false;
  if (Reflect.get(original, installed) === true) return true;
  const check = original; // keeps the narrowing inside the closure
  function scheduleCheckPendingRequests(this: RequestQueueState): void {
    if (this.pending.length === 0) return;
    Reflect.apply(check, this, []);
  }
  Reflect.set(scheduleCheckPendingRequests, installed, true);
  Reflect.set(prototype, methodName, scheduleCheckPendingRequests);
  return true;
}
