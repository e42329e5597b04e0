import { parseStackEnvironment, renderStackEnvironment } from './stack.state';

describe('stack.env', () => {
  const environment = {
    KAFKA_BROKERS: '127.0.0.1:9092',
    DATABASE_URL: 'postgres://qupersync@127.0.0.1:5432/qupersync',
    WAREHOUSE_DATABASE_URL: 'postgres://qupersync@127.0.0.1:5432/warehouse',
    COORDINATOR_URL: 'http://127.0.0.1:4000',
  };

  it('round-trips and leaves unset values out', () => {
    const text = renderStackEnvironment(environment);
    expect(text).not.toContain('REDSHIFT_DATA_API_ENDPOINT');
    expect(parseStackEnvironment(text)).toEqual(environment);
  });

  it('accepts export prefixes, quotes and comments', () => {
    const text = `# local\nexport KAFKA_BROKERS="a:1"\nDATABASE_URL='postgres://x/qupersync'\nWAREHOUSE_DATABASE_URL=postgres://x/warehouse\n`;
    expect(parseStackEnvironment(text)).toEqual({
      KAFKA_BROKERS: 'a:1',
      DATABASE_URL: 'postgres://x/qupersync',
      WAREHOUSE_DATABASE_URL: 'postgres://x/warehouse',
    });
  });

  it('rejects a file without the servers', () => {
    expect(() => parseStackEnvironment('COORDINATOR_URL=http://x\n')).toThrow();
  });
});
