// The service process plumbing of tools/stack against stand-in mains (the real services are
// covered by the e2e suites): detached start, /health wait, log tail on failure, stop.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  findFreePort,
  isProcessAlive,
  ServiceMainMissingError,
  startService,
  stopService,
  type ServiceSpec,
} from '../../tools/stack';

const healthyMain = `
const http = require('node:http');
console.log('stand-in ' + process.env.KAFKA_CLIENT_ID + ' on ' + process.env.HTTP_PORT);
http.createServer((request, response) => { response.statusCode = request.url === '/health' ? 200 : 404; response.end('{"status":"ok"}'); })
  .listen(Number(process.env.HTTP_PORT), '127.0.0.1');
`;
const crashingMain = `console.error('cannot read QUPERSYNC_JOBS_FILE: boom'); process.exit(3);`;

describe('service processes', () => {
  let root: string;

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'qupersync-services-'));
    // Services start with -r tsconfig-paths/register, which reads <root>/tsconfig.json.
    fs.writeFileSync(path.join(root, 'tsconfig.json'), '{ "compilerOptions": { "baseUrl": "." } }');
    for (const [kind, source] of [
      ['loader', healthyMain],
      ['extractor', crashingMain],
    ] as const) {
      const directory = path.join(root, 'dist', 'apps', kind, 'src');
      fs.mkdirSync(directory, { recursive: true });
      fs.writeFileSync(path.join(directory, 'main.js'), source);
    }
  });

  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  const spec = async (kind: ServiceSpec['kind'], name: string): Promise<ServiceSpec> => {
    const port = await findFreePort();
    return { name, kind, port, environment: { HTTP_PORT: String(port), KAFKA_CLIENT_ID: name } };
  };
  const options = () => ({
    repositoryRoot: root,
    logDirectory: path.join(root, 'logs'),
    healthTimeoutMs: 10_000,
  });

  it('starts a detached process, waits for /health and stops it', async () => {
    const service = await startService(await spec('loader', 'loader-2'), options());
    try {
      expect((await fetch(`http://127.0.0.1:${service.port}/health`)).status).toBe(200);
      expect(fs.readFileSync(service.logFile, 'utf8')).toContain('stand-in loader-2 on');
    } finally {
      await stopService(service);
    }
    expect(isProcessAlive(service.pid)).toBe(false);
  });

  it('reports a process that dies with the tail of its log', async () => {
    await expect(startService(await spec('extractor', 'extractor'), options())).rejects.toThrow(
      /extractor exited[\s\S]*cannot read QUPERSYNC_JOBS_FILE: boom/,
    );
  });

  it('names a main that is not built', async () => {
    await expect(startService(await spec('coordinator', 'coordinator'), options())).rejects.toThrow(
      ServiceMainMissingError,
    );
  });
});
