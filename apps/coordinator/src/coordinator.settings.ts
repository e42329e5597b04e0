// The coordinator's settings, parsed once from the environment in main.ts.
export interface CoordinatorSettings {
  readonly apiToken: string | undefined;
  readonly runStallTimeoutMs: number;
  readonly deadLetterRetentionDays: number;
}

export const COORDINATOR_SETTINGS = Symbol('COORDINATOR_SETTINGS');
