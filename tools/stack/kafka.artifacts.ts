// The broker's class path: the jars named by tools/stack/kafka/pom.xml, fetched once with Maven
// into .qupersync/cache/kafka-<version>/libs and reused by every later start.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCommand, runCommandUnchecked } from './process.control';
import { cacheRoot, repositoryRoot } from './stack.paths';

export const kafkaPomFile = path.join(repositoryRoot, 'tools', 'stack', 'kafka', 'pom.xml');

export class MavenMissingError extends Error {
  constructor() {
    super('Fetching the Kafka jars needs Maven (`mvn`). Install it, e.g. `apt-get install -y maven`.');
  }
}

/** The pinned version, read from the pom so the pom stays the one place to change it. */
export function readKafkaVersion(pomText: string = fs.readFileSync(kafkaPomFile, 'utf8')): string {
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pomText);
  if (!match?.[1]) throw new Error(`${kafkaPomFile} has no <kafka.version> property`);
  return match[1].trim();
}

export function kafkaLibraryDirectory(version: string = readKafkaVersion()): string {
  return path.join(cacheRoot, `kafka-${version}`, 'libs');
}

export function hasKafkaLibraries(directory: string = kafkaLibraryDirectory()): boolean {
  return fs.existsSync(directory) && fs.readdirSync(directory).some((file) => file.startsWith('kafka_2.13-'));
}

/** Returns the libs directory, running Maven only when the cache is empty. */
export async function ensureKafkaLibraries(log: (line: string) => void = () => undefined): Promise<string> {
  const version = readKafkaVersion();
  const target = kafkaLibraryDirectory(version);
  if (hasKafkaLibraries(target)) return target;

  const probe = await runCommandUnchecked('mvn', ['-v']).catch(() => null);
  if (!probe || probe.code !== 0) throw new MavenMissingError();

  log(`fetching Apache Kafka ${version} jars with Maven (once) ...`);
  // Build in a private folder and rename at the end: a concurrent or interrupted fetch never
  // leaves a half-filled libs folder that looks complete.
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const work = fs.mkdtempSync(path.join(path.dirname(target), '.fetch-'));
  try {
    fs.copyFileSync(kafkaPomFile, path.join(work, 'pom.xml'));
    await runCommand(
      'mvn',
      [
        '-B',
        '-q',
        'dependency:copy-dependencies',
        `-DoutputDirectory=${path.join(work, 'libs')}`,
        '-DincludeScope=runtime',
      ],
      { cwd: work },
    );
    try {
      fs.renameSync(path.join(work, 'libs'), target);
    } catch (error) {
      if (!hasKafkaLibraries(target)) throw error; // someone else finished first: fine
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  log(`Kafka jars cached in ${path.relative(repositoryRoot, target)}`);
  return target;
}
