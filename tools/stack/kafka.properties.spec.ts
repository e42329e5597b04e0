import {
  formatClusterId,
  maximumMessageBytes,
  renderKafkaProperties,
  renderLog4j2Properties,
} from './kafka.properties';

function parse(text: string): Map<string, string> {
  return new Map(
    text
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('renderKafkaProperties', () => {
  const properties = parse(
    renderKafkaProperties({ port: 19092, controllerPort: 19093, dataDirectory: '/tmp/kafka data' }),
  );

  it('configures one combined KRaft node on the given ports', () => {
    expect(properties.get('process.roles')).toBe('broker,controller');
    expect(properties.get('node.id')).toBe('1');
    expect(properties.get('controller.quorum.voters')).toBe('1@127.0.0.1:19093');
    expect(properties.get('listeners')).toBe('PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093');
    expect(properties.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:19092');
    expect(properties.get('controller.listener.names')).toBe('CONTROLLER');
    expect(properties.get('log.dirs')).toBe('/tmp/kafka data');
  });

  it('sets the single-node replication factors without which groups never find a coordinator', () => {
    expect(properties.get('offsets.topic.replication.factor')).toBe('1');
    expect(properties.get('transaction.state.log.replication.factor')).toBe('1');
    expect(properties.get('transaction.state.log.min.isr')).toBe('1');
    expect(properties.get('share.coordinator.state.topic.replication.factor')).toBe('1');
    expect(properties.get('group.initial.rebalance.delay.ms')).toBe('0');
  });

  it('never auto-creates topics and accepts large batches', () => {
    expect(properties.get('auto.create.topics.enable')).toBe('false');
    expect(properties.get('message.max.bytes')).toBe(String(maximumMessageBytes));
  });

  it('does not use the dynamic quorum settings that conflict with static voters', () => {
    expect(properties.has('controller.quorum.bootstrap.servers')).toBe(false);
  });

  it('escapes backslashes in paths', () => {
    expect(renderKafkaProperties({ port: 1, controllerPort: 2, dataDirectory: 'C:\\kafka' })).toContain(
      'log.dirs=C:\\\\kafka',
    );
  });
});

describe('renderLog4j2Properties', () => {
  it('sends the root logger to the given file', () => {
    const text = renderLog4j2Properties('/data/kafka.log');
    expect(text).toContain('appender.file.fileName = /data/kafka.log');
    expect(text).toContain('rootLogger.appenderRef.file.ref = file');
  });
});

describe('formatClusterId', () => {
  it('is 22 base64url characters for 16 bytes', () => {
    expect(formatClusterId(new Uint8Array(16).fill(255))).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('rejects other lengths', () => {
    expect(() => formatClusterId(new Uint8Array(15))).toThrow('16 bytes');
  });
});
