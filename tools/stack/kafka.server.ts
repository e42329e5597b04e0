// One combined KRaft node (broker + controller) run from the cached jars on the machine's Java:
// format once, start detached on free ports, wait until a client can list topics, create the
// project's topics from @qupersync/contracts.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allTopics, topicConfigEntries, topicPartitions, type TopicName } from '@qupersync/contracts';
import { Kafka, logLevel } from 'kafkajs';
import { findJava } from './java.locator';
import { ensureKafkaLibraries } from './kafka.artifacts';
import { formatClusterId, renderKafkaProperties, renderLog4j2Properties } from './kafka.properties';
import { findFreePorts } from './port.finder';
import {
  FatalWaitError,
  isProcessAlive,
  processMatches,
  runCommand,
  stopProcess,
  tailFile,
  waitFor,
} from './process.control';

export interface KafkaStartOptions {
  /** The node's own folder: properties, data, logs, pid file. Reused across starts. */
  directory: string;
  port?: number;
  controllerPort?: number;
  heapMegabytes?: number;
  startTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface KafkaServer {
  brokers: string;
  port: number;
  controllerPort: number;
  pid: number;
  directory: string;
  propertiesFile: string;
  logFile: string;
}

export async function startKafka(options: KafkaStartOptions): Promise<KafkaServer> {
  const log = options.log ?? (() => undefined);
  const directory = path.resolve(options.directory);
  const dataDirectory = path.join(directory, 'data');
  const propertiesFile = path.join(directory, 'server.properties');
  const logFile = path.join(directory, 'kafka.log');
  const consoleFile = path.join(directory, 'kafka.out');
  fs.mkdirSync(dataDirectory, { recursive: true });

  const [libraries, java] = await Promise.all([ensureKafkaLibraries(log), findJava()]);
  await stopStaleKafka(directory);

  const [freePort, freeControllerPort] = await findFreePorts(2);
  const port = options.port ?? freePort ?? 0;
  const controllerPort = options.controllerPort ?? freeControllerPort ?? 0;
  fs.writeFileSync(propertiesFile, renderKafkaProperties({ port, controllerPort, dataDirectory }));
  const log4jFile = path.join(directory, 'log4j2.properties');
  fs.writeFileSync(log4jFile, renderLog4j2Properties(logFile));

  const classPath = `${libraries}${path.sep}*`;
  const heap = options.heapMegabytes ?? 1024;
  const jvmOptions = [
    `-Xms${heap}m`,
    `-Xmx${heap}m`,
    // Data batches are messages of a few hundred KiB. With G1's default 1 MiB regions on a small
    // heap, each one is a "humongous" allocation that starts a concurrent marking cycle: measured
    // here, GC threads then took over half of the broker's CPU. 16 MiB regions (the largest
    // message is 16 MiB) keep batches ordinary young-generation objects.
    '-XX:+UseG1GC',
    '-XX:G1HeapRegionSize=16m',
    '-XX:MaxGCPauseMillis=20',
    '-XX:+ExplicitGCInvokesConcurrent',
    `-Dlog4j2.configurationFile=${log4jFile}`,
    '-cp',
    classPath,
  ];
  if (!fs.existsSync(path.join(dataDirectory, 'meta.properties'))) {
    // Formatting starts a JVM (~2 s), so a reused data directory skips it.
    const clusterId = formatClusterId(randomBytes(16));
    await runCommand(java, [
      ...jvmOptions,
      'kafka.tools.StorageTool',
      'format',
      // One argument: a random id may begin with '-', which the tool would take for an option.
      `--cluster-id=${clusterId}`,
      '-c',
      propertiesFile,
      '--ignore-formatted',
    ]);
  }

  const out = fs.openSync(consoleFile, 'a');
  const child = spawn(java, [...jvmOptions, 'kafka.Kafka', propertiesFile], {
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${java}`);
  const pid = child.pid;
  fs.writeFileSync(path.join(directory, 'kafka.pid'), `${pid}\n`);

  const server: KafkaServer = {
    brokers: `127.0.0.1:${port}`,
    port,
    controllerPort,
    pid,
    directory,
    propertiesFile,
    logFile,
  };
  try {
    await waitFor(
      async () => {
        if (!isProcessAlive(pid))
          throw new FatalWaitError(
            `Kafka exited during start-up:\n${tailFile(consoleFile)}\n${tailFile(logFile)}`,
          );
        await listTopics(server.brokers);
        return true;
      },
      { timeoutMs: options.startTimeoutMs ?? 90_000, intervalMs: 500, what: `Kafka on ${server.brokers}` },
    );
    await createTopics(server.brokers);
    await waitForGroupCoordinator(server.brokers);
  } catch (error) {
    await stopKafka(server);
    throw error instanceof Error && !(error instanceof FatalWaitError)
      ? new Error(`${error.message}\n${tailFile(logFile)}`)
      : error;
  }
  return server;
}

/** Stops the broker if `pid` is still the java process started with this properties file. */
export async function stopKafka(
  server: Pick<KafkaServer, 'pid' | 'propertiesFile'>,
  timeoutMs = 20_000,
): Promise<void> {
  if (processMatches(server.pid, server.propertiesFile)) await stopProcess(server.pid, timeoutMs);
}

/** A previous run that crashed may have left its broker holding the data directory's lock. */
async function stopStaleKafka(directory: string): Promise<void> {
  const pidFile = path.join(directory, 'kafka.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  if (Number.isInteger(pid) && pid > 0)
    await stopKafka({ pid, propertiesFile: path.join(directory, 'server.properties') });
}

function quietAdmin(brokers: string) {
  // kafkajs logs every refused connection at ERROR while the broker boots; readiness is ours to report.
  return new Kafka({
    clientId: 'qupersync-stack',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  }).admin();
}

export async function listTopics(brokers: string): Promise<string[]> {
  const admin = quietAdmin(brokers);
  try {
    await admin.connect();
    return await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
}

/**
 * A broker that lists topics may still be creating or loading __consumer_offsets; consumers
 * then spin on "coordinator not available". Describing a group waits that out here, once.
 */
export async function waitForGroupCoordinator(brokers: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => {
      const admin = quietAdmin(brokers);
      try {
        await admin.connect();
        await admin.describeGroups(['qupersync-stack-readiness']);
        return true;
      } finally {
        await admin.disconnect();
      }
    },
    { timeoutMs, intervalMs: 250, what: `the group coordinator on ${brokers}` },
  );
}

/**
 * Creates the contract topics, and grows any that exist with fewer partitions than the
 * contract says (the count only ever grows in Kafka).
 */
export async function createTopics(
  brokers: string,
  topics: readonly TopicName[] = allTopics,
  partitions: Readonly<Record<TopicName, number>> = topicPartitions,
): Promise<void> {
  const admin = quietAdmin(brokers);
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: partitions[topic],
          replicationFactor: 1,
          configEntries: topicConfigEntries(topic),
        })),
      });
    }
    const present = topics.filter((topic) => existing.has(topic));
    if (present.length === 0) return;
    const metadata = await admin.fetchTopicMetadata({ topics: [...present] });
    const grow = present
      .map((topic) => ({ topic, count: partitions[topic] }))
      .filter(
        ({ topic, count }) =>
          (metadata.topics.find((entry) => entry.name === topic)?.partitions.length ?? 0) < count,
      );
    if (grow.length > 0) await admin.createPartitions({ topicPartitions: grow });
  } finally {
    await admin.disconnect();
  }
}
