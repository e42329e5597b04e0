// The local stack's S3: s3rver (an S3-compatible server from npm, files on disk under the stack's
// directory) with the bucket UNLOAD writes to. Services reach it through S3_ENDPOINT with the
// access key s3rver knows; the IAM role is a placeholder the local Data API endpoint only checks
// for shape, as it has no IAM.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { findFreePort } from './port.finder';
import { FatalWaitError, isProcessAlive, tailFile, waitFor } from './process.control';

export const localUnloadBucket = 'qupersync-unload';
export const localUnloadIamRole = 'arn:aws:iam::000000000000:role/qupersync-local-unload';
/** The only key pair s3rver accepts. */
export const localS3Credentials = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' } as const;

export interface S3ServerHandle {
  readonly url: string;
  readonly port: number;
  /** What a service needs to unload through this server. */
  readonly environment: Readonly<Record<string, string>>;
  /** An S3 client of this server (path-style, with the keys it accepts); the caller destroys it. */
  client(): S3Client;
  close(): Promise<void>;
}

export async function startS3Server(options: { directory: string; port?: number }): Promise<S3ServerHandle> {
  fs.mkdirSync(options.directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory: options.directory,
    configureBuckets: [{ name: localUnloadBucket }],
  });
  const { port } = await server.run();
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    environment: s3Environment(url, { credentials: true }),
    client: () =>
      new S3Client({
        endpoint: url,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: {
          accessKeyId: localS3Credentials.AWS_ACCESS_KEY_ID,
          secretAccessKey: localS3Credentials.AWS_SECRET_ACCESS_KEY,
        },
      }),
    close: () => server.close(),
  };
}

export interface S3ServerProcess {
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  readonly logFile: string;
  /** On the process's command line: proof the pid is still this server. */
  readonly directory: string;
}

/** The server as a detached process of the stack (s3.main.js), up once its port answers. */
export async function startS3ServerProcess(options: {
  directory: string;
  port?: number;
}): Promise<S3ServerProcess> {
  fs.mkdirSync(options.directory, { recursive: true });
  const port = options.port ?? (await findFreePort());
  const logFile = path.join(options.directory, 's3.log');
  const out = fs.openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    [
      '-r',
      require.resolve('tsconfig-paths/register'),
      path.join(__dirname, 's3.main.js'),
      '--directory',
      options.directory,
      '--port',
      String(port),
    ],
    { detached: true, stdio: ['ignore', out, out], env: process.env },
  );
  fs.closeSync(out);
  child.unref();
  if (child.pid === undefined) throw new Error('could not start the S3 server');
  const pid = child.pid;
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (!isProcessAlive(pid))
        throw new FatalWaitError(`the S3 server exited; see ${logFile}:\n${tailFile(logFile)}`);
      return fetch(`${url}/${localUnloadBucket}`, { method: 'HEAD' })
        .then(() => true)
        .catch(() => false);
    },
    { timeoutMs: 30_000, what: 'the S3 server' },
  );
  return { pid, port, url, logFile, directory: options.directory };
}

/**
 * What services need to unload through a server at `url`; with `credentials`, also the key pair
 * s3rver accepts (the stack gives it to its services, not to stack.env and so not to a shell).
 */
export function s3Environment(url: string, options: { credentials: boolean }): Record<string, string> {
  return {
    S3_ENDPOINT: url,
    REDSHIFT_UNLOAD_S3_URI: `s3://${localUnloadBucket}/unload/`,
    REDSHIFT_UNLOAD_IAM_ROLE: localUnloadIamRole,
    ...(options.credentials ? localS3Credentials : {}),
  };
}
