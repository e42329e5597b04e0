// What `up` started, on disk: .qupersync/stack.json (every process, for `down`, `status` and
// restarts) and .qupersync/stack.env (the endpoints, for the CLI, demo, bench and a shell).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { serviceKinds } from './service.process';
import { defaultStackDirectory } from './stack.paths';

const stackEnvironmentSchema = z.object({
  KAFKA_BROKERS: z.string().min(1),
  DATABASE_URL: z.string().min(1),
  WAREHOUSE_DATABASE_URL: z.string().min(1),
  REDSHIFT_DATA_API_ENDPOINT: z.string().optional(),
  COORDINATOR_URL: z.string().optional(),
  /** Made by `stack up` for its coordinator; the CLI, demo and bench send it. */
  COORDINATOR_API_TOKEN: z.string().optional(),
  /** The stack's S3 server (UNLOAD's files) and what the extractors unload with. */
  S3_ENDPOINT: z.string().optional(),
  REDSHIFT_UNLOAD_S3_URI: z.string().optional(),
  REDSHIFT_UNLOAD_IAM_ROLE: z.string().optional(),
});
export type StackEnvironment = z.infer<typeof stackEnvironmentSchema>;

const processRecordSchema = z.object({
  name: z.string(),
  kind: z.enum(['kafka', 'postgres', 's3', 'service']),
  pid: z.number().int(),
  port: z.number().int(),
  logFile: z.string(),
  /** A substring of the process's command line: proof the pid is still ours. */
  marker: z.string(),
  kafka: z.object({ directory: z.string(), controllerPort: z.number().int() }).optional(),
  s3: z.object({ directory: z.string() }).optional(),
  postgres: z
    .object({ directory: z.string(), dataDirectory: z.string(), binDirectory: z.string() })
    .optional(),
  service: z
    .object({
      name: z.string(),
      kind: z.enum(serviceKinds),
      port: z.number().int(),
      environment: z.record(z.string()),
    })
    .optional(),
});
export type StackProcessRecord = z.infer<typeof processRecordSchema>;

const stackStateSchema = z.object({
  startedAt: z.string(),
  directory: z.string(),
  loaders: z.number().int(),
  /** Absent in files written before extractors could scale: one. */
  extractors: z.number().int().default(1),
  services: z.boolean(),
  environment: stackEnvironmentSchema,
  processes: z.array(processRecordSchema),
});
export type StackState = z.infer<typeof stackStateSchema>;

export const stackStateFile = (directory: string): string => path.join(directory, 'stack.json');
export const stackEnvironmentFile = (directory: string): string => path.join(directory, 'stack.env');

export function writeStackState(state: StackState): void {
  fs.mkdirSync(state.directory, { recursive: true });
  fs.writeFileSync(stackStateFile(state.directory), `${JSON.stringify(state, null, 2)}\n`);
  fs.writeFileSync(stackEnvironmentFile(state.directory), renderStackEnvironment(state.environment));
}

export function readStackState(directory: string = defaultStackDirectory): StackState | null {
  const file = stackStateFile(directory);
  if (!fs.existsSync(file)) return null;
  return stackStateSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
}

export function removeStackState(directory: string): void {
  fs.rmSync(stackStateFile(directory), { force: true });
  fs.rmSync(stackEnvironmentFile(directory), { force: true });
}

/** KEY=value lines, sourceable by a shell (values never contain quotes or spaces). */
export function renderStackEnvironment(environment: StackEnvironment): string {
  return Object.entries(environment)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .map(([key, value]) => `${key}=${value}\n`)
    .join('');
}

export function parseStackEnvironment(text: string): StackEnvironment {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*(?:export\s+)?([A-Z0-9_]+)=(.*)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined)
      values[match[1]] = match[2].trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  return stackEnvironmentSchema.parse(values);
}

/** The endpoints of the running local stack, from .qupersync/stack.env. */
export function readStackEnv(directory: string = defaultStackDirectory): StackEnvironment {
  const file = stackEnvironmentFile(directory);
  if (!fs.existsSync(file))
    throw new Error(`${file} does not exist: start the stack with \`npm run stack -- up\``);
  return parseStackEnvironment(fs.readFileSync(file, 'utf8'));
}
