// Renders the configuration files of the single combined KRaft node. Pure, so the settings a
// one-node cluster cannot work without are pinned by a unit spec.
export interface KafkaNodeSettings {
  port: number;
  controllerPort: number;
  /** Where the broker keeps partition data and the KRaft metadata log. */
  dataDirectory: string;
}

/** 16 MiB: a batch of ~50k wide rows as one Avro container file must fit in one record. */
export const maximumMessageBytes = 16 * 1024 * 1024;

export function renderKafkaProperties(settings: KafkaNodeSettings): string {
  const host = '127.0.0.1'; // not "localhost": it may resolve to ::1 for Node but 127.0.0.1 for Java
  const entries: Array<[string, string | number | boolean]> = [
    ['process.roles', 'broker,controller'],
    ['node.id', 1],
    // Static voters (kraft.version 0) keep no endpoints in the metadata log, so a reused data
    // directory can come back on different free ports.
    ['controller.quorum.voters', `1@${host}:${settings.controllerPort}`],
    ['listeners', `PLAINTEXT://${host}:${settings.port},CONTROLLER://${host}:${settings.controllerPort}`],
    ['advertised.listeners', `PLAINTEXT://${host}:${settings.port}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['inter.broker.listener.name', 'PLAINTEXT'],
    ['listener.security.protocol.map', 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT'],
    ['log.dirs', settings.dataDirectory],
    // One node: internal topics with the default replication factor 3 are never created and
    // consumer groups never find a coordinator (the kafkajs "coordinator not available" loop).
    ['offsets.topic.replication.factor', 1],
    ['offsets.topic.num.partitions', 12],
    ['transaction.state.log.replication.factor', 1],
    ['transaction.state.log.min.isr', 1],
    ['transaction.state.log.num.partitions', 4],
    ['share.coordinator.state.topic.replication.factor', 1],
    ['group.initial.rebalance.delay.ms', 0],
    // Topics come from libs/contracts with their partition counts; a typo must fail, not create.
    ['auto.create.topics.enable', false],
    ['num.partitions', 1],
    ['message.max.bytes', maximumMessageBytes],
    ['replica.fetch.max.bytes', maximumMessageBytes],
    ['log.retention.hours', 24],
  ];
  return `${entries.map(([key, value]) => `${key}=${escapePropertyValue(String(value))}`).join('\n')}\n`;
}

/** log4j2 configuration sending everything to one file in the node's directory. */
export function renderLog4j2Properties(logFile: string): string {
  return [
    'status = warn',
    'appender.file.type = File',
    'appender.file.name = file',
    `appender.file.fileName = ${escapePropertyValue(logFile)}`,
    'appender.file.append = true',
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = info',
    'rootLogger.appenderRef.file.ref = file',
    // The controller logs every metadata change at INFO; it buries what matters.
    'logger.controller.name = org.apache.kafka.controller',
    'logger.controller.level = warn',
    'logger.raft.name = org.apache.kafka.raft',
    'logger.raft.level = warn',
    '',
  ].join('\n');
}

/** java.util.Properties treats backslash as an escape; nothing else in a path needs one. */
function escapePropertyValue(value: string): string {
  return value.replace(/\\/g, '\\\\');
}

/** A KRaft cluster id: 16 random bytes as unpadded base64url (22 characters). */
export function formatClusterId(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new Error('a cluster id is 16 bytes');
  return Buffer.from(bytes).toString('base64url');
}
