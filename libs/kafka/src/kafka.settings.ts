// Connection settings for Kafka, built from the parsed environment (see @qupersync/config).
import type { KafkaConfig, SASLOptions } from 'kafkajs';

export interface KafkaSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** KAFKA_MAX_BATCH_BYTES: a data batch message above this is split (extractor, transformer). */
  readonly maxBatchBytes: number;
  readonly ssl: boolean;
  /** PEM contents for TLS: a CA to trust, and a client certificate and key (mutual TLS). */
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
  readonly sasl:
    | {
        readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
        readonly username: string;
        readonly password: string;
      }
    | undefined;
}

export const KAFKA_SETTINGS = Symbol('KAFKA_SETTINGS');

export function toKafkaConfig(settings: Omit<KafkaSettings, 'maxBatchBytes'>): KafkaConfig {
  const sasl: SASLOptions | undefined =
    settings.sasl === undefined
      ? undefined
      : settings.sasl.mechanism === 'plain'
        ? { mechanism: 'plain', username: settings.sasl.username, password: settings.sasl.password }
        : settings.sasl.mechanism === 'scram-sha-256'
          ? { mechanism: 'scram-sha-256', username: settings.sasl.username, password: settings.sasl.password }
          : {
              mechanism: 'scram-sha-512',
              username: settings.sasl.username,
              password: settings.sasl.password,
            };
  return {
    clientId: settings.clientId,
    brokers: [...settings.brokers],
    ssl:
      settings.ssl && settings.tls !== undefined
        ? {
            ...(settings.tls.ca === undefined ? {} : { ca: [settings.tls.ca] }),
            ...(settings.tls.cert === undefined ? {} : { cert: settings.tls.cert }),
            ...(settings.tls.key === undefined ? {} : { key: settings.tls.key }),
          }
        : settings.ssl,
    sasl,
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    // The runner below retries handler failures itself; the client only retries the protocol.
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 10_000 },
  };
}
