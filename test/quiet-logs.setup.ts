// Tests stay quiet when they pass: code under test logs through JsonLogger, whose info and warn
// lines (a migration applied, a connection lost on purpose) would fill the terminal. Errors still
// show. Services started as processes by the e2e harness log to files of their own.
import { configureLogging } from '@qupersync/observability';

configureLogging({ service: 'test', level: 'error' });
