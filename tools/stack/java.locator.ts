// Finds a Java runtime that can run the Kafka 4 broker (Java 17+): JAVA_HOME, PATH, then the
// Debian/Ubuntu JVM folder, because a fresh machine often has a JDK installed but not selected.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCommandUnchecked } from './process.control';

export const minimumJavaVersion = 17;

export class JavaMissingError extends Error {
  constructor(found: string) {
    super(
      `Kafka needs Java ${minimumJavaVersion}+ (${found}). Install one, e.g. ` +
        '`apt-get install -y openjdk-17-jre-headless`, or point JAVA_HOME at it.',
    );
  }
}

/** "17.0.15" / "1.8.0_402" / "21" -> 17 / 8 / 21 (pure, from `java -version` output). */
export function parseJavaMajorVersion(versionOutput: string): number | null {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match?.[1]) return null;
  const first = Number(match[1]);
  return first === 1 && match[2] ? Number(match[2]) : first;
}

export async function findJava(): Promise<string> {
  const candidates: string[] = [];
  if (process.env.JAVA_HOME) candidates.push(path.join(process.env.JAVA_HOME, 'bin', 'java'));
  candidates.push('java');
  const jvmRoot = '/usr/lib/jvm';
  if (fs.existsSync(jvmRoot)) {
    for (const entry of fs.readdirSync(jvmRoot).sort().reverse())
      candidates.push(path.join(jvmRoot, entry, 'bin', 'java'));
  }
  const seen: string[] = [];
  for (const candidate of candidates) {
    const result = await runCommandUnchecked(candidate, ['-version']).catch(() => null);
    if (!result || result.code !== 0) continue;
    const major = parseJavaMajorVersion(result.output);
    if (major !== null && major >= minimumJavaVersion) return candidate;
    seen.push(`${candidate} is Java ${major ?? '?'}`);
  }
  throw new JavaMissingError(seen.length > 0 ? seen.join(', ') : 'no java found');
}
