// The local stack's S3 server as its own process: `node s3.main.js --directory D --port P`.
// Runs until SIGTERM or SIGINT.
import { startS3Server } from './s3.server';

async function main(): Promise<void> {
  const argument = (name: string): string | undefined => {
    const index = process.argv.indexOf(name);
    return index < 0 ? undefined : process.argv[index + 1];
  };
  const directory = argument('--directory');
  const port = Number(argument('--port'));
  if (directory === undefined || !Number.isInteger(port) || port <= 0)
    throw new Error('usage: s3.main.js --directory <dir> --port <port>');
  const server = await startS3Server({ directory: `${directory}/data`, port });
  process.stdout.write(`S3 server listening on ${server.url}\n`);
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`S3 server failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
