// Polls the coordinator until a run ends, reporting progress on the way. Also finds the run a
// Kafka trigger started or joined: the trigger carries no reply channel, so the coordinator is
// asked for the run its request key (per job) led to, which may be a follow-up run it queued.
import { terminalRunStatuses, type RunView, type TriggerRequestView } from './coordinator-api.schema';

/** The part of CoordinatorClient the waiter needs (a fake in unit specs). */
export interface RunSource {
  getRun(runId: string): Promise<RunView>;
  listRuns(filter: { job?: string | undefined; limit?: number | undefined }): Promise<RunView[]>;
  findTriggerRequest(job: string, requestKey: string): Promise<TriggerRequestView | null>;
}

export interface WaitOptions {
  pollIntervalMs?: number;
  /** Undefined waits for ever: a large full sync may legitimately take hours. */
  timeoutMs?: number | undefined;
  onProgress?: (run: RunView, elapsedMs: number) => void;
  sleep?: (milliseconds: number) => Promise<void>;
  now?: () => number;
}

export class RunWaitTimeoutError extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`gave up waiting for ${what} after ${Math.round(timeoutMs / 1000)} s`);
    this.name = 'RunWaitTimeoutError';
  }
}

const defaultSleep = (milliseconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, milliseconds));

export async function waitForRunEnd(
  source: RunSource,
  runId: string,
  options: WaitOptions = {},
): Promise<RunView> {
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const started = now();
  for (;;) {
    const run = await source.getRun(runId);
    const elapsed = now() - started;
    options.onProgress?.(run, elapsed);
    if (terminalRunStatuses.has(run.status)) return run;
    if (options.timeoutMs !== undefined && elapsed >= options.timeoutMs)
      throw new RunWaitTimeoutError(`run ${runId}`, options.timeoutMs);
    await sleep(options.pollIntervalMs ?? 500);
  }
}

/** Waits until the coordinator has consumed a Kafka trigger and shows the run it started or joined. */
export async function findRunByRequestKey(
  source: RunSource,
  job: string,
  requestKey: string,
  options: WaitOptions = {},
): Promise<RunView> {
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const started = now();
  for (;;) {
    const request = await source.findTriggerRequest(job, requestKey);
    if (request !== null) return source.getRun(request.runId);
    if (now() - started >= timeoutMs)
      throw new RunWaitTimeoutError(
        `the coordinator to start a run for request key ${requestKey}`,
        timeoutMs,
      );
    await sleep(options.pollIntervalMs ?? 500);
  }
}
