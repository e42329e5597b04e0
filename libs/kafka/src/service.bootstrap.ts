// Boots a QuperSync service: JSON logs, HTTP (health, metrics, API) on HTTP_PORT, the Kafka
// record transport for its @EventPattern handlers, and graceful shutdown on SIGTERM (the batch
// in hand finishes or is left uncommitted for redelivery).
import { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { readFileSync } from 'node:fs';
import { Server } from 'node:http';
import {
  ConfigurationError,
  JobCatalog,
  kafkaEnvironmentSchema,
  kafkaSecurityEnvironmentSchema,
  parseEnvironment,
} from '@qupersync/config';
import {
  configureLogging,
  JsonLogger,
  LogLevel,
  NestJsonLogger,
  PipelineMetrics,
  SpanExporter,
} from '@qupersync/observability';
import { KafkaRecordTransport, KafkaRecordTransportOptions } from './kafka-record.transport';
import { KafkaSettings } from './kafka.settings';
import { RethrowRpcExceptionFilter } from './rethrow-rpc-exception.filter';

export function kafkaSettingsFromEnvironment(defaultClientId: string): KafkaSettings {
  const environment = parseEnvironment(kafkaEnvironmentSchema);
  return {
    brokers: environment.KAFKA_BROKERS,
    clientId: environment.KAFKA_CLIENT_ID ?? defaultClientId,
    maxBatchBytes: environment.KAFKA_MAX_BATCH_BYTES,
    ...kafkaSecurityFromEnvironment(),
  };
}

/** TLS and SASL from the environment (files read once, here); services and the CLI share it. */
export function kafkaSecurityFromEnvironment(): Pick<KafkaSettings, 'ssl' | 'tls' | 'sasl'> {
  const environment = parseEnvironment(kafkaSecurityEnvironmentSchema);
  const mechanism = environment.KAFKA_SASL_MECHANISM;
  const read = (variable: string, file: string | undefined): string | undefined => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      const problem = `${variable}: cannot read ${file} (${error instanceof Error ? error.message : String(error)})`;
      throw new ConfigurationError(`invalid environment: ${problem}`, [problem]);
    }
  };
  const tls = {
    ca: read('KAFKA_SSL_CA_FILE', environment.KAFKA_SSL_CA_FILE),
    cert: read('KAFKA_SSL_CERT_FILE', environment.KAFKA_SSL_CERT_FILE),
    key: read('KAFKA_SSL_KEY_FILE', environment.KAFKA_SSL_KEY_FILE),
  };
  const hasTlsFiles = tls.ca !== undefined || tls.cert !== undefined;
  return {
    ssl: environment.KAFKA_SSL === 'true',
    ...(hasTlsFiles
      ? {
          tls: {
            ...(tls.ca === undefined ? {} : { ca: tls.ca }),
            ...(tls.cert === undefined ? {} : { cert: tls.cert }),
            ...(tls.key === undefined ? {} : { key: tls.key }),
          },
        }
      : {}),
    sasl:
      mechanism === undefined
        ? undefined
        : {
            mechanism,
            username: environment.KAFKA_SASL_USERNAME ?? '',
            password: environment.KAFKA_SASL_PASSWORD ?? '',
          },
  };
}

export interface ServiceStartOptions {
  readonly name: string;
  readonly module: Type<unknown> | DynamicModule;
  readonly httpPort: number;
  /** HTTP_HOST: loopback by default; containers bind 0.0.0.0. */
  readonly httpHost: string;
  readonly logLevel: LogLevel;
  /** OTEL_EXPORTER_OTLP_ENDPOINT: where the batch spans go (none when undefined). */
  readonly otlpEndpoint?: string | undefined;
  readonly transport?: KafkaRecordTransportOptions;
  /** Runs after the module is built and before anything consumes or listens (migrations, topics). */
  readonly beforeListen?: (app: INestApplication) => Promise<void>;
  /**
   * The service's jobs: SIGHUP reads the jobs file again (an invalid file changes nothing and is
   * logged). `onJobsReload` replaces the plain reload (the coordinator's also settles removed
   * jobs' runs).
   */
  readonly jobs?: JobCatalog;
  readonly onJobsReload?: (app: INestApplication) => Promise<void>;
}

/** SIGHUP: the jobs file again, logged with what changed; a bad file is logged and changes nothing. */
function reloadJobsOnHangup(app: INestApplication, options: ServiceStartOptions): void {
  const jobs = options.jobs;
  if (jobs === undefined) return;
  const logger = new JsonLogger('JobsReload');
  let reloading = false;
  process.on('SIGHUP', () => {
    if (reloading) return;
    reloading = true;
    const reload =
      options.onJobsReload ??
      ((): Promise<void> => {
        logger.info('jobs file reloaded', { ...jobs.reload() });
        return Promise.resolve();
      });
    void Promise.resolve()
      .then(() => reload(app))
      .catch((error: unknown) =>
        logger.error('jobs file not reloaded; the jobs stay as they were', {
          error: error instanceof Error ? error.message : String(error),
        }),
      )
      .finally(() => {
        reloading = false;
      });
  });
}

export async function startService(options: ServiceStartOptions): Promise<INestApplication> {
  configureLogging({ service: options.name, level: options.logLevel });
  const app = await NestFactory.create(options.module, { logger: new NestJsonLogger() });
  // Not SIGHUP (Nest's default list has it): that one reloads the jobs file.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  app.get(SpanExporter).configure(options.name, options.otlpEndpoint);
  await options.beforeListen?.(app);
  if (options.transport !== undefined) {
    const metrics = app.get(PipelineMetrics);
    // Deferred so the filter is in place before Nest binds the handlers (it binds filters then).
    const microservice = app.connectMicroservice(
      {
        strategy: new KafkaRecordTransport({
          ...options.transport,
          onLag: (topic, partition, lag) =>
            metrics.consumerLag.set({ topic, partition: String(partition) }, lag),
        }),
      },
      { deferInitialization: true },
    );
    microservice.useGlobalFilters(new RethrowRpcExceptionFilter());
    await app.startAllMicroservices();
  }
  reloadJobsOnHangup(app, options);
  // Idle keep-alive connections are closed by the client first (Node's fetch after 4 s, proxies
  // after 60 s): a server closing one at 5 s, Node's default, races a request just sent on it,
  // which then fails with "other side closed".
  const server: unknown = app.getHttpServer();
  if (server instanceof Server) {
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
  }
  await app.listen(options.httpPort, options.httpHost);
  new JsonLogger('Bootstrap').info('service started', {
    httpPort: options.httpPort,
    httpHost: options.httpHost,
  });
  return app;
}

/** Runs a service's main; a bad configuration ends the process with a message naming the variable. */
export function runMain(name: string, main: () => Promise<unknown>): void {
  main().catch((error: unknown) => {
    const logger = new JsonLogger('Bootstrap');
    if (error instanceof ConfigurationError) {
      logger.error(`${name} cannot start: ${error.message}`, { code: error.code });
      process.stderr.write(`${name}: ${error.message}\n`);
    } else {
      logger.error(`${name} failed to start`, {
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    }
    process.exit(1);
  });
}
