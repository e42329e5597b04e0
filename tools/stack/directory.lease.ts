// Exclusive use of a stack directory by one process. Two jest runs on one machine (two
// terminals, two agents) must not share .qupersync/test-stack: the second would stop the first
// one's broker and postmaster as "stale". The first free slot is reused, so its formatted Kafka
// and initialised cluster keep start-up fast; a busy slot sends the caller to the next one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isProcessAlive } from './process.control';

export interface DirectoryLease {
  directory: string;
  release(): void;
}

const ownerFileName = 'owner.pid';

/** Slot 0 is `base` itself, slot n is `<base>-<n>`. */
export function leaseStackDirectory(base: string, slots = 8): DirectoryLease {
  for (let slot = 0; slot < slots; slot += 1) {
    const directory = slot === 0 ? base : `${base}-${slot}`;
    if (tryLease(directory)) {
      return { directory, release: () => releaseLease(directory) };
    }
  }
  throw new Error(`all ${slots} stack directories ${base}[-n] are in use by live processes`);
}

function tryLease(directory: string): boolean {
  fs.mkdirSync(directory, { recursive: true });
  const ownerFile = path.join(directory, ownerFileName);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      fs.writeFileSync(ownerFile, `${process.pid}\n`, { flag: 'wx' }); // atomic: exactly one creator wins
      return true;
    } catch (error) {
      if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
    }
    const owner = readOwner(ownerFile);
    if (owner !== null && owner !== process.pid && isProcessAlive(owner)) return false;
    // The owner died without releasing (killed jest): its servers are stopped as stale later.
    fs.rmSync(ownerFile, { force: true });
  }
  return false;
}

function releaseLease(directory: string): void {
  const ownerFile = path.join(directory, ownerFileName);
  if (readOwner(ownerFile) === process.pid) fs.rmSync(ownerFile, { force: true });
}

function readOwner(ownerFile: string): number | null {
  try {
    const pid = Number(fs.readFileSync(ownerFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
