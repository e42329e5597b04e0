// The jobs of this deployment, loaded from QUPERSYNC_JOBS_FILE at start-up and again on reload
// (SIGHUP, `qupersync jobs reload`). Every job definition has a version (a hash of it), which
// travels with a run's messages: a service handles a run's request or batch with the definition
// of the version it was made under, so a run started before a reload finishes as it began, in
// every service, whenever each of them reloads. A version this process has not seen makes it
// read the file again (the coordinator reloaded first); one it cannot find is an error naming it.
import { createHash } from 'node:crypto';
import { ConfigurationError } from './configuration.error';
import { JobDefinition } from './job-definition.schema';
import { loadJobsFile } from './jobs-file.loader';

export interface JobsReload {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
  readonly unchanged: readonly string[];
}

/** Versions kept per process, newest last: runs started under older ones are long gone. */
const maxKnownVersions = 1_000;
/** A version nobody knows makes the file be read again at most this often. */
const rereadIntervalMs = 1_000;

/** The version of a job definition: the first 16 hex digits of the SHA-256 of its JSON. */
export function jobVersionOf(job: JobDefinition): string {
  return createHash('sha256').update(JSON.stringify(job)).digest('hex').slice(0, 16);
}

export class JobCatalog {
  private current = new Map<string, JobDefinition>();
  private readonly versions = new Map<string, JobDefinition>();
  private readonly versionByDefinition = new WeakMap<JobDefinition, string>();
  private lastRereadMs = 0;
  /** When each version this process could not find was first asked for. */
  private readonly missingSince = new Map<string, number>();

  /**
   * @param jobs the jobs loaded at start-up
   * @param file where they came from, to read again on reload (none: a fixed catalog, for tests)
   * @param validate a service's own checks of a new file (the transformer's entity classes), run
   *   before the new jobs replace the old ones
   */
  constructor(
    jobs: readonly JobDefinition[],
    private readonly file?: string,
    private readonly validate: (jobs: readonly JobDefinition[]) => void = () => undefined,
  ) {
    this.install(jobs);
  }

  get jobs(): readonly JobDefinition[] {
    return [...this.current.values()];
  }

  /** The job's current definition; undefined for a job the file does not have (any more). */
  find(name: string): JobDefinition | undefined {
    return this.current.get(name);
  }

  versionOf(job: JobDefinition): string {
    let version = this.versionByDefinition.get(job);
    if (version === undefined) {
      version = jobVersionOf(job);
      this.versionByDefinition.set(job, version);
    }
    return version;
  }

  /**
   * The definition a run's message was made under: `version` null (a message from before
   * versions, or a tool) means the current one. An unknown version makes the file be read again
   * (the coordinator, or the file, is ahead of this process); undefined when it is still unknown.
   */
  resolve(name: string, version: string | null): JobDefinition | undefined {
    const found = this.knownOrReread(name, version);
    const key = `${name}@${version ?? ''}`;
    if (found === undefined) {
      if (!this.missingSince.has(key)) this.missingSince.set(key, Date.now());
    } else this.missingSince.delete(key);
    return found;
  }

  /** How long `resolve` has not found this version (0 when it has, or was never asked). */
  missingForMs(name: string, version: string | null): number {
    const since = this.missingSince.get(`${name}@${version ?? ''}`);
    return since === undefined ? 0 : Date.now() - since;
  }

  private knownOrReread(name: string, version: string | null): JobDefinition | undefined {
    const known = this.known(name, version);
    if (known !== undefined || this.file === undefined) return known;
    if (Date.now() - this.lastRereadMs < rereadIntervalMs) return undefined;
    this.lastRereadMs = Date.now();
    try {
      this.reload();
    } catch {
      // The file is broken now: the versions known so far are all this process has.
      return undefined;
    }
    return this.known(name, version);
  }

  /**
   * A job's last known definition, even if a reload removed it: what its active run still needs
   * to end (the coordinator's books).
   */
  lastKnown(name: string): JobDefinition | undefined {
    const current = this.current.get(name);
    if (current !== undefined) return current;
    let last: JobDefinition | undefined;
    for (const job of this.versions.values()) if (job.name === name) last = job;
    return last;
  }

  /** What a reload would change, without changing anything; throws what is wrong with the file. */
  preview(): { jobs: JobDefinition[]; reload: JobsReload } {
    if (this.file === undefined)
      throw new ConfigurationError('this catalog was not loaded from a file', ['no jobs file']);
    const jobs = loadJobsFile(this.file);
    this.validate(jobs);
    const next = new Map(jobs.map((job) => [job.name, job]));
    const added: string[] = [];
    const changed: string[] = [];
    const unchanged: string[] = [];
    for (const job of jobs) {
      const before = this.current.get(job.name);
      if (before === undefined) added.push(job.name);
      else if (this.versionOf(before) !== this.versionOf(job)) changed.push(job.name);
      else unchanged.push(job.name);
    }
    const removed = [...this.current.keys()].filter((name) => !next.has(name));
    return { jobs, reload: { added, removed, changed, unchanged } };
  }

  /** Reads the file again and makes it current; throws (and changes nothing) when it is invalid. */
  reload(): JobsReload {
    const { jobs, reload } = this.preview();
    this.install(jobs);
    return reload;
  }

  private known(name: string, version: string | null): JobDefinition | undefined {
    const current = this.current.get(name);
    if (version === null) return current;
    if (current !== undefined && this.versionOf(current) === version) return current;
    const older = this.versions.get(`${name}@${version}`);
    return older;
  }

  private install(jobs: readonly JobDefinition[]): void {
    this.current = new Map(jobs.map((job) => [job.name, job]));
    for (const job of jobs) {
      const key = `${job.name}@${this.versionOf(job)}`;
      this.versions.delete(key);
      this.versions.set(key, job);
    }
    while (this.versions.size > maxKnownVersions) {
      const oldest = this.versions.keys().next().value;
      if (oldest === undefined) break;
      this.versions.delete(oldest);
    }
  }
}
