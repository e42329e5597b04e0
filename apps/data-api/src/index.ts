// The endpoint's public surface for tests that start it in-process.
export { createDataApiApplication } from './data-api.application';
export { type DataApiOptions, dataApiOptions } from './data-api.options';
export { type FaultSettings } from './fault.injector';
