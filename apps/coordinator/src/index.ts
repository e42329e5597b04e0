// What the coordinator exposes to its own integration tests (apps are never imported by other apps).
export * from './run-state.repository';
