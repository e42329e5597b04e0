// A private PostgreSQL cluster for the local stack: initdb once into a folder, start it on a
// free 127.0.0.1 port with its unix socket inside that folder, and make sure the `qupersync`
// role and the `qupersync` (state + target) and `warehouse` (plays Redshift) databases exist.
// PostgreSQL refuses to run as root, so as root every server program runs as `postgres`.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { findFreePort } from './port.finder';
import { findPostgresBinaries } from './postgres.binaries';
import { isProcessAlive, runCommand, runCommandUnchecked, sleep, tailFile } from './process.control';

export interface PostgresStartOptions {
  /** The cluster's own folder (data/, postgres.log, the socket). Reused across starts. */
  directory: string;
  port?: number;
  /** false trades crash safety for speed (fsync off): right for throw-away test clusters. */
  durable?: boolean;
  log?: (line: string) => void;
}

export interface PostgresCluster {
  directory: string;
  dataDirectory: string;
  binDirectory: string;
  port: number;
  pid: number;
  logFile: string;
  /** postgres://qupersync@127.0.0.1:<port>/qupersync */
  databaseUrl: string;
  /** postgres://qupersync@127.0.0.1:<port>/warehouse */
  warehouseDatabaseUrl: string;
}

export const applicationRole = 'qupersync';
export const applicationDatabases = ['qupersync', 'warehouse'] as const;
const serverUser = 'postgres';
const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

export async function startPostgres(options: PostgresStartOptions): Promise<PostgresCluster> {
  const log = options.log ?? (() => undefined);
  const binDirectory = await findPostgresBinaries();
  const directory = await usableClusterDirectory(path.resolve(options.directory), log);
  const dataDirectory = path.join(directory, 'data');
  const logFile = path.join(directory, 'postgres.log');
  const program = (name: string): string => path.join(binDirectory, name);

  if (isRoot()) chownToServerUser(directory);
  if (!fs.existsSync(path.join(dataDirectory, 'PG_VERSION'))) {
    log(`initialising a PostgreSQL cluster in ${dataDirectory} ...`);
    fs.rmSync(dataDirectory, { recursive: true, force: true }); // a half-done initdb
    await runAsServerUser(program('initdb'), [
      '-D',
      dataDirectory,
      '-U',
      serverUser,
      '--auth=trust',
      '--encoding=UTF8',
      '--no-locale',
      '--no-sync',
    ]);
    fs.appendFileSync(
      path.join(dataDirectory, 'postgresql.conf'),
      "\ninclude_if_exists = 'qupersync.conf'\n",
    );
  }
  await stopPostgres({ dataDirectory, binDirectory });

  const port = options.port ?? (await findFreePort());
  const settingsFile = path.join(dataDirectory, 'qupersync.conf');
  fs.writeFileSync(
    settingsFile,
    renderPostgresSettings({ port, socketDirectory: directory, durable: options.durable ?? true }),
  );
  if (isRoot()) chownToServerUser(settingsFile);

  // After a kill -9 (chaos tests) the old backends hold the shared memory for a moment and
  // postgres refuses to start until they are gone: retry briefly.
  for (let attempt = 1; ; attempt += 1) {
    const started = await runAsServerUserUnchecked(program('pg_ctl'), [
      '-D',
      dataDirectory,
      '-l',
      logFile,
      '-w',
      '-t',
      '60',
      'start',
    ]);
    if (started.code === 0) break;
    if (attempt >= 10) throw new Error(`PostgreSQL did not start:\n${started.output}\n${tailFile(logFile)}`);
    await sleep(1_000);
  }
  const pid = readPostmasterPid(dataDirectory);
  if (pid === null) throw new Error(`PostgreSQL started but ${dataDirectory}/postmaster.pid is unreadable`);

  await ensureRoleAndDatabases(port);
  const url = (database: string): string => `postgres://${applicationRole}@127.0.0.1:${port}/${database}`;
  return {
    directory,
    dataDirectory,
    binDirectory,
    port,
    pid,
    logFile,
    databaseUrl: url('qupersync'),
    warehouseDatabaseUrl: url('warehouse'),
  };
}

/** pg_ctl stop -m fast; a no-op when no server runs on that data directory. */
export async function stopPostgres(
  cluster: Pick<PostgresCluster, 'dataDirectory' | 'binDirectory'>,
): Promise<void> {
  const pid = readPostmasterPid(cluster.dataDirectory);
  // Our zombie-aware check, not `pg_ctl status`: a killed postmaster not yet reaped still
  // answers kill(0), and pg_ctl would wait for it forever.
  if (pid === null || !isProcessAlive(pid)) return;
  await runAsServerUser(path.join(cluster.binDirectory, 'pg_ctl'), [
    '-D',
    cluster.dataDirectory,
    '-m',
    'fast',
    '-w',
    '-t',
    '60',
    'stop',
  ]);
}

function readPostmasterPid(dataDirectory: string): number | null {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDirectory, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

export interface PostgresSettings {
  port: number;
  socketDirectory: string;
  durable: boolean;
}

/** The settings file included from postgresql.conf, rewritten on every start (pure). */
export function renderPostgresSettings(settings: PostgresSettings): string {
  // A unix socket path is limited to 107 bytes; past that, TCP only.
  const socketDirectory = settings.socketDirectory.length <= 90 ? settings.socketDirectory : '';
  const lines = [
    `port = ${settings.port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${socketDirectory.replace(/'/g, "''")}'`,
    'max_connections = 200',
    'shared_buffers = 128MB',
    "timezone = 'UTC'",
  ];
  if (!settings.durable) lines.push('fsync = off', 'synchronous_commit = off', 'full_page_writes = off');
  return `${lines.join('\n')}\n`;
}

async function ensureRoleAndDatabases(port: number): Promise<void> {
  const client = new Client({ host: '127.0.0.1', port, user: serverUser, database: 'postgres' });
  await client.connect();
  try {
    const role = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [applicationRole]);
    // Superuser is fine for a local stack: the services create schemas and tables freely.
    if (role.rowCount === 0) await client.query(`CREATE ROLE ${applicationRole} LOGIN SUPERUSER`);
    for (const database of applicationDatabases) {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${database} OWNER ${applicationRole}`);
    }
  } finally {
    await client.end();
  }
}

/**
 * As root, the `postgres` user must be able to reach the cluster folder; a repository under
 * /root is not reachable, so the cluster then lives in a per-repository folder in the temp dir.
 */
async function usableClusterDirectory(requested: string, log: (line: string) => void): Promise<string> {
  fs.mkdirSync(requested, { recursive: true });
  if (!isRoot()) return requested;
  await ensureServerUser();
  const reachable = await runCommandUnchecked('runuser', [
    '-u',
    serverUser,
    '--',
    'test',
    '-x',
    path.dirname(requested),
  ]);
  if (reachable.code === 0) return requested;
  const fallback = path.join(
    os.tmpdir(),
    `qupersync-${createHash('sha256').update(requested).digest('hex').slice(0, 12)}`,
    path.basename(requested),
  );
  log(`${serverUser} cannot reach ${requested}; using ${fallback}`);
  fs.mkdirSync(fallback, { recursive: true });
  fs.chmodSync(path.dirname(fallback), 0o755);
  return fallback;
}

async function ensureServerUser(): Promise<void> {
  const exists = await runCommandUnchecked('id', ['-u', serverUser]);
  if (exists.code === 0) return;
  await runCommand('useradd', [
    '--system',
    '--user-group',
    '--no-create-home',
    '--shell',
    '/usr/sbin/nologin',
    serverUser,
  ]);
}

/** Only the cluster folder and our settings file: initdb already makes postgres own data/. */
function chownToServerUser(...targets: string[]): void {
  const uid = Number(execFileSync('id', ['-u', serverUser], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', serverUser], { encoding: 'utf8' }).trim());
  for (const target of targets) fs.chownSync(target, uid, gid);
}

function runAsServerUser(command: string, args: readonly string[]): Promise<string> {
  return isRoot()
    ? runCommand('runuser', ['-u', serverUser, '--', command, ...args])
    : runCommand(command, args);
}

function runAsServerUserUnchecked(
  command: string,
  args: readonly string[],
): ReturnType<typeof runCommandUnchecked> {
  // detached: a Ctrl-C in the caller's terminal must not reach the postmaster that pg_ctl leaves behind.
  return isRoot()
    ? runCommandUnchecked('runuser', ['-u', serverUser, '--', command, ...args], { detached: true })
    : runCommandUnchecked(command, args, { detached: true });
}
