import {
  CliEnvironmentError,
  requireCoordinatorUrl,
  requireKafkaBrokers,
  resolveCliEnvironment,
} from './cli.environment';

const stack = {
  KAFKA_BROKERS: '127.0.0.1:19092',
  DATABASE_URL: 'postgres://q@127.0.0.1/qupersync',
  WAREHOUSE_DATABASE_URL: 'postgres://q@127.0.0.1/warehouse',
  COORDINATOR_URL: 'http://127.0.0.1:3000',
};

describe('resolveCliEnvironment', () => {
  it('prefers the environment over stack.env', () => {
    const readStack = jest.fn(() => stack);
    const resolved = resolveCliEnvironment(
      {
        COORDINATOR_URL: 'http://coordinator:8080',
        KAFKA_BROKERS: 'a:1, b:2',
        COORDINATOR_API_TOKEN: 'secret',
      },
      readStack,
    );
    expect(resolved).toMatchObject({
      coordinatorUrl: 'http://coordinator:8080',
      kafkaBrokers: ['a:1', 'b:2'],
      apiToken: 'secret',
    });
    expect(readStack).not.toHaveBeenCalled();
  });

  it('falls back to the local stack', () => {
    const resolved = resolveCliEnvironment({ COORDINATOR_URL: '  ' }, () => stack);
    expect(resolved).toMatchObject({
      coordinatorUrl: 'http://127.0.0.1:3000',
      kafkaBrokers: ['127.0.0.1:19092'],
      apiToken: undefined,
    });
  });

  it('explains how to start the stack when there is no address at all', () => {
    const resolved = resolveCliEnvironment({}, () => {
      throw new Error('.qupersync/stack.env does not exist');
    });
    expect(() => requireCoordinatorUrl(resolved)).toThrow(CliEnvironmentError);
    expect(() => requireCoordinatorUrl(resolved)).toThrow(
      /stack\.env does not exist[\s\S]*npm run stack -- up/,
    );
    expect(() => requireKafkaBrokers(resolved)).toThrow(/KAFKA_BROKERS/);
  });
});
