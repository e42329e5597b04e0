// Tests stay quiet when they pass: code under test logs through JsonLogger, whose info and warn
// lines (a migration applied, a connection lost on purpose) would fill the terminal. Errors still
// show. Services started as processes by the e2e harness log to files of their own.
import { Logger } from '@nestjs/common';
import { configureLogging } from '@qupersync/observability';

configureLogging({ service: 'test', level: 'error' });

// Classes that log through Nest's own Logger (the Data API gateway) outside an application: the
// same, errors only.
Logger.overrideLogger(['error', 'fatal']);
// The AWS SDK warns once per process that a future release needs Node 22; a test is no place for it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
