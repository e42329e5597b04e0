import { createServer, type Server } from 'node:http';
import { CoordinatorClient, CoordinatorUnreachableError } from './coordinator.client';

const answers = new Set<NodeJS.Timeout>();

/** A coordinator that answers GET /jobs with [] after `delayMs`, headers included. */
async function slowCoordinator(delayMs: number): Promise<{ server: Server; url: string }> {
  const server = createServer((_request, response) => {
    const answer = setTimeout(() => {
      answers.delete(answer);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('[]');
    }, delayMs);
    answers.add(answer);
  });
  server.keepAliveTimeout = 65_000; // as the coordinator's
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return { server, url: `http://127.0.0.1:${address.port}` };
}

async function close(server: Server): Promise<void> {
  for (const answer of answers) clearTimeout(answer);
  answers.clear();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('CoordinatorClient over HTTP', () => {
  it('waits for a slow answer as long as its own timeout allows', async () => {
    const { server, url } = await slowCoordinator(1_200);
    try {
      const client = new CoordinatorClient({ baseUrl: url, timeoutMs: 10_000 });
      await expect(client.listJobs()).resolves.toEqual([]);
    } finally {
      await close(server);
    }
  });

  it('gives up at its own timeout and says so', async () => {
    const { server, url } = await slowCoordinator(3_000);
    try {
      const client = new CoordinatorClient({ baseUrl: url, timeoutMs: 300 });
      const failure = client.listJobs();
      await expect(failure).rejects.toBeInstanceOf(CoordinatorUnreachableError);
      await expect(failure).rejects.toThrow(/no answer in time/);
    } finally {
      await close(server);
    }
  });
});
