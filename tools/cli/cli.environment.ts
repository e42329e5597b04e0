// Where the CLI finds the coordinator and Kafka: the environment first, then the local stack's
// .qupersync/stack.env, so `npm run stack -- up` followed by `npx qupersync jobs` just works.
import { readStackEnv, type StackEnvironment } from '../stack';

export interface CliEnvironment {
  coordinatorUrl: string | undefined;
  kafkaBrokers: string[] | undefined;
  apiToken: string | undefined;
  /** Where the defaults came from, for error messages. */
  stackEnvError: string | undefined;
}

export class CliEnvironmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliEnvironmentError';
  }
}

/** Pure: `readStack` is the only I/O, injected so the precedence is unit-tested. */
export function resolveCliEnvironment(
  environment: Readonly<Record<string, string | undefined>>,
  readStack: () => StackEnvironment = () => readStackEnv(),
): CliEnvironment {
  let stack: StackEnvironment | undefined;
  let stackEnvError: string | undefined;
  const needStack = !nonEmpty(environment.COORDINATOR_URL) || !nonEmpty(environment.KAFKA_BROKERS);
  if (needStack) {
    try {
      stack = readStack();
    } catch (error) {
      stackEnvError = error instanceof Error ? error.message : String(error);
    }
  }
  const brokers = nonEmpty(environment.KAFKA_BROKERS) ?? stack?.KAFKA_BROKERS;
  const explicitUrl = nonEmpty(environment.COORDINATOR_URL);
  return {
    coordinatorUrl: explicitUrl ?? nonEmpty(stack?.COORDINATOR_URL),
    kafkaBrokers:
      brokers === undefined
        ? undefined
        : brokers
            .split(',')
            .map((broker) => broker.trim())
            .filter(Boolean),
    // The local stack's token goes only to the local stack's coordinator, never to another one.
    apiToken:
      nonEmpty(environment.COORDINATOR_API_TOKEN) ??
      (explicitUrl === undefined ? nonEmpty(stack?.COORDINATOR_API_TOKEN) : undefined),
    stackEnvError,
  };
}

export function requireCoordinatorUrl(environment: CliEnvironment): string {
  if (environment.coordinatorUrl !== undefined) return environment.coordinatorUrl;
  throw new CliEnvironmentError(
    'no coordinator address: COORDINATOR_URL is not set and the local stack has none' +
      (environment.stackEnvError === undefined ? '' : ` (${environment.stackEnvError})`) +
      '.\nStart the local stack with `npm run stack -- up`, or set COORDINATOR_URL=http://host:port.',
  );
}

export function requireKafkaBrokers(environment: CliEnvironment): string[] {
  if (environment.kafkaBrokers !== undefined && environment.kafkaBrokers.length > 0)
    return environment.kafkaBrokers;
  throw new CliEnvironmentError(
    'no Kafka brokers for --via kafka: KAFKA_BROKERS is not set and the local stack has none' +
      (environment.stackEnvError === undefined ? '' : ` (${environment.stackEnvError})`) +
      '.\nStart the local stack with `npm run stack -- up`, or set KAFKA_BROKERS=host:port.',
  );
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
