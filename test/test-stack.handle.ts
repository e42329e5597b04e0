// What global-setup started, handed to global-teardown. Jest runs both in the same process and
// documents globals as the only channel between them.
export type TestStackSource = 'external' | 'containers' | 'local';

export interface TestStackHandle {
  source: TestStackSource;
  stop(): Promise<void>;
}

declare global {
  var qupersyncTestStack: TestStackHandle | undefined;
}

/** Set once the servers are up, so a second project's setup in the same jest run is a no-op. */
export const testStackMarker = 'QUPERSYNC_TEST_STACK';
