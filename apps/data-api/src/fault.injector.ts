// Test knobs of the local endpoint: added latency, throttled requests and statements that fail
// on purpose, set over POST /_local/faults. They exist so tests can prove the extractor's
// retry and failure paths against the real client; production never sets them.
import { Injectable } from '@nestjs/common';
import { z } from 'zod';

/** The exceptions of the Data API's troubleshooting page that a request can meet. */
export const injectableRequestFailures = [
  'QueryTimeoutException',
  'DatabaseConnectionException',
  'ExecuteStatementException',
  'ActiveStatementsExceededException',
  'InternalServerException',
] as const;

export const faultSettingsSchema = z
  .object({
    /** Every Data API request waits this long before it is answered. */
    latencyMs: z.number().int().min(0).max(60_000),
    /** The next N Data API requests (any operation) are answered with ThrottlingException. */
    throttleNextRequests: z.number().int().min(0),
    /** The next N Data API requests (any operation) are answered with the `failRequestsWith` exception. */
    failNextRequests: z.number().int().min(0),
    /** What the real service answers when it is in trouble, each with its own HTTP status. */
    failRequestsWith: z.enum(injectableRequestFailures),
    /** The next N executed statements end FAILED with failureMessage, without touching the warehouse. */
    failNextStatements: z.number().int().min(0),
    /** Every statement whose SQL matches this regular expression ends FAILED with failureMessage. */
    failStatementsMatching: z
      .string()
      .min(1)
      .nullable()
      .refine((pattern) => pattern === null || isValidRegex(pattern), {
        message: 'not a valid regular expression',
      }),
    /** The Error text of statements failed on purpose. */
    failureMessage: z.string().min(1),
    /** A statement stays SUBMITTED at least this long, so tests can watch the lifecycle. */
    statementQueueDelayMs: z.number().int().min(0).max(60_000),
    /** When set, only statements whose SQL matches this regular expression are held in the queue. */
    queueDelayMatching: z
      .string()
      .min(1)
      .nullable()
      .refine((pattern) => pattern === null || isValidRegex(pattern), {
        message: 'not a valid regular expression',
      }),
  })
  .strict();

export type FaultSettings = z.infer<typeof faultSettingsSchema>;
export type InjectableRequestFailure = (typeof injectableRequestFailures)[number];

const noFaults: FaultSettings = {
  latencyMs: 0,
  throttleNextRequests: 0,
  failNextRequests: 0,
  failRequestsWith: 'InternalServerException',
  failNextStatements: 0,
  failStatementsMatching: null,
  failureMessage: 'injected failure',
  statementQueueDelayMs: 0,
  queueDelayMatching: null,
};

function isValidRegex(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

@Injectable()
export class FaultInjector {
  private settings: FaultSettings = { ...noFaults };

  current(): FaultSettings {
    return { ...this.settings };
  }

  /** Merges the given knobs into the current ones (absent knobs keep their value). */
  update(changes: Partial<FaultSettings>): FaultSettings {
    this.settings = { ...this.settings, ...changes };
    return this.current();
  }

  reset(): FaultSettings {
    this.settings = { ...noFaults };
    return this.current();
  }

  get latencyMs(): number {
    return this.settings.latencyMs;
  }

  /** How long this statement stays SUBMITTED before it may run. */
  queueDelayFor(sql: string): number {
    const pattern = this.settings.queueDelayMatching;
    return pattern === null || new RegExp(pattern).test(sql) ? this.settings.statementQueueDelayMs : 0;
  }

  /** True when this request is to be throttled; counts it down. */
  takeThrottle(): boolean {
    if (this.settings.throttleNextRequests <= 0) return false;
    this.settings = { ...this.settings, throttleNextRequests: this.settings.throttleNextRequests - 1 };
    return true;
  }

  /** The exception to answer this request with, if one is due; counts it down. */
  takeRequestFailure(): InjectableRequestFailure | undefined {
    if (this.settings.failNextRequests <= 0) return undefined;
    this.settings = { ...this.settings, failNextRequests: this.settings.failNextRequests - 1 };
    return this.settings.failRequestsWith;
  }

  /** The Error text to fail this statement with, or undefined to run it. */
  takeStatementFailure(sql: string): string | undefined {
    if (this.settings.failNextStatements > 0) {
      this.settings = { ...this.settings, failNextStatements: this.settings.failNextStatements - 1 };
      return this.settings.failureMessage;
    }
    const pattern = this.settings.failStatementsMatching;
    return pattern !== null && new RegExp(pattern).test(sql) ? this.settings.failureMessage : undefined;
  }
}
