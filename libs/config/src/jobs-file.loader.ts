// Reads and validates the jobs file. Errors name the job (by name when it has one) and the field.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ConfigurationError } from './configuration.error';
import { JobDefinition, jobsFileSchema, toJobDefinitions } from './job-definition.schema';

export function parseJobsFile(text: string, origin: string): JobDefinition[] {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigurationError(`${origin}: not valid YAML: ${reason}`, [reason]);
  }
  const result = jobsFileSchema.safeParse(document);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => describeIssuePath(document, issue.path) + issue.message,
    );
    throw new ConfigurationError(`${origin}: invalid jobs file: ${problems.join('; ')}`, problems);
  }
  return toJobDefinitions(result.data);
}

export function loadJobsFile(path: string): JobDefinition[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigurationError(`QUPERSYNC_JOBS_FILE: cannot read ${path}: ${reason}`, [reason]);
  }
  return parseJobsFile(text, path);
}

/** "job orders, field source.table: " — the job by its name when the document has one. */
function describeIssuePath(document: unknown, path: readonly (string | number)[]): string {
  if (path[0] !== 'jobs' || typeof path[1] !== 'number') {
    return path.length > 0 ? `field ${path.join('.')}: ` : '';
  }
  const jobs = isRecord(document) && Array.isArray(document.jobs) ? document.jobs : [];
  const job: unknown = jobs[path[1]];
  const name = isRecord(job) && typeof job.name === 'string' ? job.name : `#${path[1] + 1}`;
  const field = path.slice(2).join('.');
  return field.length > 0 ? `job ${name}, field ${field}: ` : `job ${name}: `;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
