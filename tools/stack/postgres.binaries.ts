// Finds the PostgreSQL server programs (initdb, pg_ctl, postgres). Debian keeps them off PATH in
// /usr/lib/postgresql/<major>/bin, so PATH alone is not enough.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCommandUnchecked } from './process.control';

export class PostgresMissingError extends Error {
  constructor() {
    super(
      'PostgreSQL server binaries (initdb, pg_ctl) were not found. Install the `postgresql` package, ' +
        'e.g. `apt-get update && apt-get install -y postgresql` (as root).',
    );
  }
}

const required = ['initdb', 'pg_ctl', 'postgres'];

function hasServerPrograms(directory: string): boolean {
  return required.every((program) => fs.existsSync(path.join(directory, program)));
}

/** Sorts "/usr/lib/postgresql/9.6/bin", ".../15/bin", ".../16/bin" newest first (pure). */
export function newestVersionFirst(directories: readonly string[]): string[] {
  const version = (directory: string): number[] =>
    (path.basename(path.dirname(directory)).match(/\d+/g) ?? []).map(Number);
  return [...directories].sort((a, b) => {
    const [left, right] = [version(a), version(b)];
    for (let index = 0; index < Math.max(left.length, right.length); index += 1) {
      const difference = (right[index] ?? 0) - (left[index] ?? 0);
      if (difference !== 0) return difference;
    }
    return 0;
  });
}

export async function findPostgresBinaries(): Promise<string> {
  const candidates: string[] = [];
  const pgConfig = await runCommandUnchecked('pg_config', ['--bindir']).catch(() => null);
  if (pgConfig?.code === 0) candidates.push(pgConfig.output.trim());
  const debianRoot = '/usr/lib/postgresql';
  if (fs.existsSync(debianRoot)) {
    candidates.push(
      ...newestVersionFirst(fs.readdirSync(debianRoot).map((entry) => path.join(debianRoot, entry, 'bin'))),
    );
  }
  candidates.push(...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean));
  const found = candidates.find(hasServerPrograms);
  if (!found) throw new PostgresMissingError();
  return found;
}
