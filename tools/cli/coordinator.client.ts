// The one HTTP client of the coordinator API for the CLI and the demo. Turns "fetch failed" into
// an error that names the URL and how to start the stack, and API errors into their JSON message.
import { Agent, fetch as undiciFetch } from 'undici';
import { z } from 'zod';
import {
  apiErrorSchema,
  failureViewSchema,
  jobViewSchema,
  jobsReloadViewSchema,
  runAcceptedSchema,
  replayViewSchema,
  verificationViewSchema,
  runViewSchema,
  type FailureView,
  type JobView,
  triggerRequestViewSchema,
  type TriggerRequestView,
  type RunAccepted,
  type RunView,
  pipelineStatusViewSchema,
  deadLetterViewSchema,
  type DeadLetterView,
  type PipelineStatusView,
} from './coordinator-api.schema';
import type { JobsReloadView, ReplayView, VerificationView } from './coordinator-api.schema';
import type { RunMode } from './cli.arguments';

export class CoordinatorUnreachableError extends Error {
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(
      `cannot reach the coordinator at ${url} (${reason}).\n` +
        'Start the local stack with `npm run stack -- up` (or `docker compose up`), or set COORDINATOR_URL.',
    );
    this.name = 'CoordinatorUnreachableError';
  }
}

export class CoordinatorRequestError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'CoordinatorRequestError';
  }
}

/** What the client needs of a fetch: the global one and undici's both fit. */
export type CoordinatorFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string | undefined; signal: AbortSignal },
) => Promise<{ readonly ok: boolean; readonly status: number; text(): Promise<string> }>;

/**
 * Node's own fetch gives up on a response whose headers take more than 300 s, whatever the
 * request's signal says: a verify of 10,000,000 rows with differences, or a repair, takes longer,
 * and the CLI reported the coordinator unreachable while it was still working. Each request's own
 * timeout (`timeoutMs`, up to an hour for verify and repair) is the only limit here.
 */
const patientAgent = new Agent({ headersTimeout: 0, bodyTimeout: 0 });
const patientFetch: CoordinatorFetch = (url, init) => undiciFetch(url, { ...init, dispatcher: patientAgent });

export interface CoordinatorClientOptions {
  baseUrl: string;
  apiToken?: string | undefined;
  /** Per-request timeout; a hung coordinator must not hang the CLI for ever. */
  timeoutMs?: number;
  fetch?: CoordinatorFetch;
}

export class CoordinatorClient {
  readonly baseUrl: string;
  private readonly fetchImplementation: CoordinatorFetch;
  private readonly timeoutMs: number;

  constructor(private readonly options: CoordinatorClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImplementation = options.fetch ?? patientFetch;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  listJobs(): Promise<JobView[]> {
    return this.request('GET', '/jobs', z.array(jobViewSchema));
  }

  triggerRun(
    job: string,
    body: { mode?: RunMode | undefined; requestKey?: string | undefined },
  ): Promise<RunAccepted> {
    const payload: Record<string, string> = {};
    if (body.mode !== undefined) payload.mode = body.mode;
    if (body.requestKey !== undefined) payload.requestKey = body.requestKey;
    return this.request('POST', `/jobs/${encodeURIComponent(job)}/runs`, runAcceptedSchema, payload);
  }

  getRun(runId: string): Promise<RunView> {
    return this.request('GET', `/runs/${encodeURIComponent(runId)}`, runViewSchema);
  }

  listDeadLetters(
    filter: { job?: string | undefined; runId?: string | undefined; limit?: number | undefined } = {},
  ): Promise<DeadLetterView[]> {
    return this.request(
      'GET',
      `/dead-letters${queryString({ job: filter.job, run: filter.runId, limit: filter.limit })}`,
      z.array(deadLetterViewSchema),
    );
  }

  getStatus(): Promise<PipelineStatusView> {
    return this.request('GET', '/status', pipelineStatusViewSchema);
  }

  /** Cancels a run; a CoordinatorRequestError with status 409 when it has already ended. */
  cancelRun(runId: string): Promise<RunView> {
    return this.request('POST', `/runs/${encodeURIComponent(runId)}/cancel`, runViewSchema, {});
  }

  listRuns(filter: { job?: string | undefined; limit?: number | undefined } = {}): Promise<RunView[]> {
    return this.request(
      'GET',
      `/runs${queryString({ job: filter.job, limit: filter.limit })}`,
      z.array(runViewSchema),
    );
  }

  /** The run a job's request key started or joined; null until the coordinator has seen the trigger. */
  async findTriggerRequest(job: string, requestKey: string): Promise<TriggerRequestView | null> {
    try {
      return await this.request(
        'GET',
        `/jobs/${encodeURIComponent(job)}/requests/${encodeURIComponent(requestKey)}`,
        triggerRequestViewSchema,
      );
    } catch (error) {
      if (error instanceof CoordinatorRequestError && error.statusCode === 404) return null;
      throw error;
    }
  }

  /** Replays the job's unreplayed dead letters (of one run): a keyed run re-extracts their keys. */
  replay(job: string, runId: string | undefined): Promise<ReplayView> {
    return this.request(
      'POST',
      `/jobs/${encodeURIComponent(job)}/replay`,
      replayViewSchema,
      runId === undefined ? {} : { runId },
    );
  }

  /** Reloads the jobs file in the coordinator; runs of removed jobs finish or are cancelled. */
  reloadJobs(removedRuns: 'finish' | 'cancel'): Promise<JobsReloadView> {
    return this.request('POST', '/jobs/reload', jobsReloadViewSchema, { removedRuns });
  }

  /** Compares the job's target with its source; a repair waits for its keyed runs (up to an hour). */
  verify(job: string, repair: boolean): Promise<VerificationView> {
    return this.request(
      'POST',
      `/jobs/${encodeURIComponent(job)}/verify`,
      verificationViewSchema,
      repair ? { repair: true } : {},
      // A verify's passes grow with the table (about 90 s for an equal 10,000,000-row table here,
      // minutes when it differs); a repair also waits for its keyed runs.
      3_600_000,
    );
  }

  resetJob(job: string, watermark: string[] | null): Promise<{ job: string; watermark: string[] | null }> {
    return this.request(
      'POST',
      `/jobs/${encodeURIComponent(job)}/reset`,
      z.object({ job: z.string(), watermark: z.array(z.string()).nullable() }),
      watermark === null ? {} : { watermark },
    );
  }

  listFailures(filter: { job?: string | undefined } = {}): Promise<FailureView[]> {
    return this.request('GET', `/failures${queryString({ job: filter.job })}`, z.array(failureViewSchema));
  }

  private async request<Result>(
    method: 'GET' | 'POST',
    path: string,
    schema: z.ZodType<Result, z.ZodTypeDef, unknown>,
    body?: unknown,
    timeoutMs: number = this.timeoutMs,
  ): Promise<Result> {
    const url = `${this.baseUrl}${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.apiToken) headers.authorization = `Bearer ${this.options.apiToken}`;
    let response: Awaited<ReturnType<CoordinatorFetch>>;
    try {
      response = await this.fetchImplementation(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new CoordinatorUnreachableError(this.baseUrl, describeFetchError(error));
    }
    const text = await response.text();
    const document = parseJson(text);
    if (!response.ok)
      throw new CoordinatorRequestError(
        response.status,
        describeApiError(method, path, response.status, document, text),
      );
    const result = schema.safeParse(document);
    if (!result.success) {
      const problems = result.error.issues
        .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
        .join('; ');
      throw new CoordinatorRequestError(
        response.status,
        `unexpected response from ${method} ${path}: ${problems}`,
      );
    }
    return result.data;
  }
}

function queryString(parameters: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(parameters))
    if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text.length > 0 ? `?${text}` : '';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The API's own message when it sent one ({statusCode, message}), else the status and body. */
export function describeApiError(
  method: string,
  path: string,
  status: number,
  document: unknown,
  text: string,
): string {
  const parsed = apiErrorSchema.safeParse(document);
  const message = parsed.success
    ? Array.isArray(parsed.data.message)
      ? parsed.data.message.join('; ')
      : parsed.data.message
    : text.trim().slice(0, 500) || '(empty body)';
  return `${method} ${path} failed with ${status}: ${message}`;
}

/** Node's fetch hides the socket error in `cause` (ECONNREFUSED, ENOTFOUND, timeouts). */
function describeFetchError(error: unknown): string {
  // By name: the timeout is a DOMException, which need not be an Error of this realm.
  const name: unknown = typeof error === 'object' && error !== null ? Reflect.get(error, 'name') : undefined;
  if (name === 'TimeoutError') return 'no answer in time';
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  if (cause instanceof Error) {
    return 'code' in cause && typeof cause.code === 'string'
      ? `${cause.code} ${cause.message}`
      : cause.message;
  }
  return error.message;
}
