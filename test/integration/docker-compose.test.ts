// Static checks of docker-compose.yml (no container engine is needed): start-up ordering by
// health, every service image names a main that exists, the loader scales, and each service gets
// exactly the environment docs/ARCHITECTURE.md lists for it, valid for @qupersync/config's schemas.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  coordinatorEnvironmentSchema,
  dataApiEnvironmentSchema,
  databaseEnvironmentSchema,
  kafkaEnvironmentSchema,
  loadJobsFile,
  redshiftEnvironmentSchema,
  serviceEnvironmentSchema,
} from '@qupersync/config';
import { PipelineMetrics } from '@qupersync/observability';
import { parse } from 'yaml';
import { z } from 'zod';

const repositoryRoot = join(__dirname, '..', '..');
const qupersyncServices = ['coordinator', 'extractor', 'transformer', 'loader', 'data-api'] as const;
type QuperSyncService = (typeof qupersyncServices)[number];
const fourServices: readonly QuperSyncService[] = ['coordinator', 'extractor', 'transformer', 'loader'];

/** The AWS SDK's own credential variables: not QuperSync settings, but the SDK will not sign without them. */
const awsSdkCredentials = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];
/** Chooses the main inside the shared image (Dockerfile CMD); not read by the service itself. */
const imageSelector = 'QUPERSYNC_SERVICE';

/** What each service cannot start without, a subset of what ARCHITECTURE.md allows it. */
const requiredVariables: Record<QuperSyncService, readonly string[]> = {
  'data-api': ['WAREHOUSE_DATABASE_URL', 'HTTP_PORT'],
  coordinator: ['KAFKA_BROKERS', 'DATABASE_URL', 'QUPERSYNC_JOBS_FILE', 'HTTP_PORT', 'COORDINATOR_API_TOKEN'],
  extractor: [
    'KAFKA_BROKERS',
    'REDSHIFT_DATA_API_ENDPOINT',
    'AWS_REGION',
    'REDSHIFT_WORKGROUP_NAME',
    'REDSHIFT_DATABASE',
    'QUPERSYNC_JOBS_FILE',
    'HTTP_PORT',
  ],
  transformer: ['KAFKA_BROKERS', 'DATABASE_URL', 'QUPERSYNC_JOBS_FILE', 'HTTP_PORT'],
  loader: ['KAFKA_BROKERS', 'DATABASE_URL', 'QUPERSYNC_JOBS_FILE', 'HTTP_PORT'],
};

/** The settings schemas each service's main parses (apps/<name>/src/main.ts). */
const environmentSchemas: Record<QuperSyncService, readonly z.ZodTypeAny[]> = {
  'data-api': [dataApiEnvironmentSchema],
  coordinator: [
    serviceEnvironmentSchema,
    databaseEnvironmentSchema,
    kafkaEnvironmentSchema,
    coordinatorEnvironmentSchema,
  ],
  extractor: [serviceEnvironmentSchema, redshiftEnvironmentSchema, kafkaEnvironmentSchema],
  transformer: [serviceEnvironmentSchema, kafkaEnvironmentSchema],
  loader: [serviceEnvironmentSchema, databaseEnvironmentSchema, kafkaEnvironmentSchema],
};

const dependencySchema = z.object({ condition: z.string() }).passthrough();
const serviceSchema = z
  .object({
    image: z.string().optional(),
    build: z
      .union([z.string(), z.object({ context: z.string(), dockerfile: z.string().optional() }).passthrough()])
      .optional(),
    container_name: z.string().optional(),
    restart: z.string().optional(),
    ports: z.array(z.union([z.string(), z.number(), z.record(z.unknown())])).optional(),
    environment: z
      .union([z.record(z.union([z.string(), z.number(), z.boolean(), z.null()])), z.array(z.string())])
      .optional(),
    healthcheck: z
      .object({ test: z.union([z.string(), z.array(z.string())]) })
      .passthrough()
      .optional(),
    depends_on: z.union([z.array(z.string()), z.record(dependencySchema)]).optional(),
    volumes: z.array(z.union([z.string(), z.record(z.unknown())])).optional(),
  })
  .passthrough();
type ComposeService = z.infer<typeof serviceSchema>;
const composeSchema = z.object({ services: z.record(serviceSchema) }).passthrough();

const compose = composeSchema.parse(
  parse(readFileSync(join(repositoryRoot, 'docker-compose.yml'), 'utf8'), { merge: true }),
);
const services = Object.entries(compose.services);

function environmentOf(service: ComposeService): Record<string, string> {
  const entries = Array.isArray(service.environment)
    ? service.environment.map(
        (line) => [line.split('=')[0] ?? '', line.slice(line.indexOf('=') + 1)] as const,
      )
    : Object.entries(service.environment ?? {}).map(
        ([key, value]) => [key, value === null ? '' : String(value)] as const,
      );
  return Object.fromEntries(entries);
}

/** The .env a user makes from the committed example (`cp .env.example .env`). */
const dotEnv = new Map(
  readFileSync(join(repositoryRoot, '.env.example'), 'utf8')
    .split('\n')
    .map((line) => /^([A-Z0-9_]+)=(.*)$/.exec(line.trim()))
    .flatMap((match) => (match?.[1] === undefined ? [] : [[match[1], match[2] ?? ''] as const])),
);

/** Compose's `${NAME:-default}` interpolation, with an empty shell and the example .env. */
function interpolate(value: string): string {
  return value.replace(
    /\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g,
    (_match, name: string, fallback: string | undefined) => dotEnv.get(name) ?? fallback ?? '',
  );
}

function builtFromDockerfile(service: ComposeService): boolean {
  if (service.build === undefined) return false;
  if (typeof service.build === 'string') return existsSync(join(repositoryRoot, service.build, 'Dockerfile'));
  return (service.build.dockerfile ?? 'Dockerfile') === 'Dockerfile' && service.build.context === '.';
}

function serviceKindOf(service: ComposeService): QuperSyncService {
  const kind = environmentOf(service)[imageSelector];
  const found = qupersyncServices.find((candidate) => candidate === kind);
  if (found === undefined)
    throw new Error(`${imageSelector}=${kind ?? '(unset)'} is not one of ${qupersyncServices.join(', ')}`);
  return found;
}

/**
 * The environment table of ARCHITECTURE.md: variable -> the services it is for. "all four" are
 * the pipeline services, "all" / "every service and data-api" adds the data-api, "CLI" is none.
 */
function architectureEnvironment(): Map<string, Set<QuperSyncService>> {
  const text = readFileSync(join(repositoryRoot, 'docs', 'ARCHITECTURE.md'), 'utf8');
  const section = text.slice(
    text.indexOf('## Environment'),
    text.indexOf('\n## ', text.indexOf('## Environment') + 1),
  );
  const table = new Map<string, Set<QuperSyncService>>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const [, variables = '', usedBy = ''] = cells;
    const names = [...variables.matchAll(/`([A-Z0-9_]+)`/g)].map((match) => match[1] ?? '');
    if (names.length === 0) continue;
    const audience = usedBy.toLowerCase();
    let users: QuperSyncService[];
    if (audience.startsWith('all four')) users = [...fourServices];
    else if (audience === 'all' || audience.startsWith('every service')) users = [...qupersyncServices];
    else users = qupersyncServices.filter((service) => audience.split(/,\s*/).includes(service));
    for (const name of names) table.set(name, new Set(users));
  }
  return table;
}

describe('docker-compose.yml', () => {
  it('defines Kafka, PostgreSQL, the data-api and the four services', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'coordinator',
      'data-api',
      'extractor',
      'grafana',
      'kafka',
      'loader',
      'postgres',
      'prometheus',
      's3',
      'transformer',
    ]);
    expect(compose.services.kafka?.image).toBe('apache/kafka:4.1.1');
    expect(compose.services.postgres?.image).toBe('postgres:15');
    // The S3 server is the package the local stack runs, at the version it pins.
    const { devDependencies } = z
      .object({ devDependencies: z.record(z.string()) })
      .parse(JSON.parse(readFileSync(join(repositoryRoot, 'package.json'), 'utf8')));
    expect(JSON.stringify(compose.services.s3)).toContain(`s3rver@${devDependencies.s3rver ?? '?'}`);
  });

  it.each(services)(
    '%s has a healthcheck (or is a one-shot nobody waits for as healthy)',
    (name, service) => {
      const oneShot = service.restart === 'no' && service.healthcheck === undefined;
      if (oneShot) {
        const waitedOn = services.some(
          ([, other]) =>
            !Array.isArray(other.depends_on) && other.depends_on?.[name]?.condition === 'service_healthy',
        );
        expect(waitedOn).toBe(false);
      } else {
        expect(service.healthcheck?.test).toBeDefined();
      }
    },
  );

  it.each(services)('%s waits for its dependencies to be healthy', (_name, service) => {
    if (service.depends_on === undefined) return;
    // The short list form only waits for "started", which is how a service races Kafka's start-up.
    expect(Array.isArray(service.depends_on)).toBe(false);
    for (const [dependency, settings] of Object.entries(service.depends_on)) {
      expect(compose.services[dependency]).toBeDefined();
      expect({ dependency, condition: settings.condition }).toEqual({
        dependency,
        condition: 'service_healthy',
      });
    }
  });

  it('builds every QuperSync service from the repository Dockerfile, naming a main that exists', () => {
    const built = services.filter(([, service]) => builtFromDockerfile(service));
    expect(built.map(([name]) => name).sort()).toEqual([...qupersyncServices].sort());
    for (const [, service] of built) {
      expect(existsSync(join(repositoryRoot, 'apps', serviceKindOf(service), 'src', 'main.ts'))).toBe(true);
    }
    expect(existsSync(join(repositoryRoot, 'Dockerfile'))).toBe(true);
  });

  it('lets the loader scale: no container name, no fixed host port', () => {
    const loader = compose.services.loader;
    expect(loader).toBeDefined();
    expect(loader?.container_name).toBeUndefined();
    for (const port of loader?.ports ?? []) {
      // Only a container port alone ("8080") lets replicas get ephemeral host ports.
      expect(String(typeof port === 'object' ? JSON.stringify(port) : port)).toMatch(/^\d+$/);
    }
  });

  it('publishes the coordinator API', () => {
    const environment = environmentOf(compose.services.coordinator ?? {});
    const published = (compose.services.coordinator?.ports ?? []).map((port) =>
      typeof port === 'object' ? JSON.stringify(port) : interpolate(String(port)),
    );
    expect(published).toContain(`${environment.HTTP_PORT}:${environment.HTTP_PORT}`);
  });

  describe.each(qupersyncServices)('the %s environment', (kind) => {
    const entry = services.find(
      ([, service]) => builtFromDockerfile(service) && environmentOf(service)[imageSelector] === kind,
    );
    const environment = entry === undefined ? {} : environmentOf(entry[1]);
    const resolved = Object.fromEntries(
      Object.entries(environment).map(([key, value]) => [key, interpolate(value)]),
    );

    it('holds only variables ARCHITECTURE.md lists for it', () => {
      const table = architectureEnvironment();
      expect(table.size).toBeGreaterThan(5);
      // The extractor (Data API, S3), the coordinator (verify's Data API statements) and the
      // data-api (UNLOAD's S3 writes) sign with the SDK's chain.
      const signs = kind === 'extractor' || kind === 'coordinator' || kind === 'data-api';
      const allowed = new Set([imageSelector, ...(signs ? awsSdkCredentials : [])]);
      for (const [name, users] of table) if (users.has(kind)) allowed.add(name);
      expect(Object.keys(environment).filter((name) => !allowed.has(name))).toEqual([]);
      for (const name of requiredVariables[kind])
        expect(allowed.has(name) ? name : `${name} (not in ARCHITECTURE.md)`).toBe(name);
    });

    it('holds every variable the service needs', () => {
      expect(requiredVariables[kind].filter((name) => !(name in environment))).toEqual([]);
    });

    it('passes the settings schemas the service parses', () => {
      for (const schema of environmentSchemas[kind]) {
        const result = schema.safeParse(resolved);
        expect(
          result.success
            ? []
            : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
        ).toEqual([]);
      }
    });

    it('points at servers the file defines', () => {
      const hostOf = (url: string): string => new URL(url).hostname;
      if (resolved.KAFKA_BROKERS !== undefined) {
        for (const broker of resolved.KAFKA_BROKERS.split(','))
          expect(compose.services[broker.split(':')[0] ?? '']).toBeDefined();
      }
      for (const key of ['DATABASE_URL', 'WAREHOUSE_DATABASE_URL', 'REDSHIFT_DATA_API_ENDPOINT']) {
        if (resolved[key] !== undefined) expect(compose.services[hostOf(resolved[key])]).toBeDefined();
      }
      if (resolved.REDSHIFT_DATA_API_ENDPOINT !== undefined) {
        const dataApi = environmentOf(compose.services['data-api'] ?? {});
        expect(new URL(resolved.REDSHIFT_DATA_API_ENDPOINT).port).toBe(dataApi.HTTP_PORT);
      }
    });
  });

  it('mounts ./config where QUPERSYNC_JOBS_FILE points, and that jobs file is valid', () => {
    for (const [name, service] of services.filter(
      ([, candidate]) => 'QUPERSYNC_JOBS_FILE' in environmentOf(candidate),
    )) {
      const jobsFile = environmentOf(service).QUPERSYNC_JOBS_FILE ?? '';
      const mount = (service.volumes ?? [])
        .map(String)
        .find((volume) => jobsFile.startsWith(`${volume.split(':')[1] ?? '\0'}/`));
      expect({ name, mount: mount?.split(':')[0] }).toEqual({ name, mount: './config' });
      const hostPath = join(repositoryRoot, 'config', jobsFile.slice('/app/config/'.length));
      expect(loadJobsFile(hostPath).length).toBeGreaterThan(0);
    }
  });

  it('creates the warehouse database in PostgreSQL on first start', () => {
    const volumes = (compose.services.postgres?.volumes ?? []).map(String);
    const init = volumes.find((volume) => volume.includes('/docker-entrypoint-initdb.d'));
    expect(init?.split(':')[0]).toBe('./docker/postgres-init');
    expect(readFileSync(join(repositoryRoot, 'docker', 'postgres-init', '01-databases.sql'), 'utf8')).toMatch(
      /CREATE DATABASE warehouse/,
    );
  });
});

describe('config files', () => {
  it.each(['jobs.yaml', 'demo-jobs.yaml'])('config/%s parses with loadJobsFile', (file) => {
    const jobs = loadJobsFile(join(repositoryRoot, 'config', file));
    expect(jobs.length).toBeGreaterThan(0);
  });

  it('config/demo-jobs.yaml declares the demo job the demo expects', () => {
    const [job] = loadJobsFile(join(repositoryRoot, 'config', 'demo-jobs.yaml'));
    expect(job).toMatchObject({
      name: 'demo_orders',
      primaryKey: ['id'],
      mode: 'incremental',
      watermark: 'updated_at',
      batchSize: 5000,
    });
    expect(job?.source.table).toBeDefined();
  });
});

describe('the observability profile', () => {
  const profileOf = (name: string): unknown => (compose.services[name] ?? {})['profiles'];

  it('starts Prometheus and Grafana only when asked (--profile observability)', () => {
    expect(profileOf('prometheus')).toEqual(['observability']);
    expect(profileOf('grafana')).toEqual(['observability']);
    for (const name of ['coordinator', 'extractor', 'transformer', 'loader', 'kafka', 'postgres'])
      expect(profileOf(name)).toBeUndefined();
  });

  it('scrapes each of the four services at the port its HTTP_PORT names', () => {
    const config = z
      .object({
        scrape_configs: z.array(
          z.object({
            job_name: z.string(),
            metrics_path: z.string(),
            dns_sd_configs: z.array(z.object({ names: z.array(z.string()), port: z.number() })).optional(),
            static_configs: z.array(z.object({ targets: z.array(z.string()) })).optional(),
          }),
        ),
      })
      .parse(parse(readFileSync(join(repositoryRoot, 'docker', 'prometheus', 'prometheus.yml'), 'utf8')));
    const targets = new Map<string, number>();
    for (const job of config.scrape_configs) {
      expect(job.metrics_path).toBe('/metrics');
      for (const discovery of job.dns_sd_configs ?? [])
        for (const name of discovery.names) targets.set(name, discovery.port);
      for (const group of job.static_configs ?? [])
        for (const target of group.targets)
          targets.set(target.split(':')[0] ?? '', Number(target.split(':')[1]));
    }
    for (const service of fourServices) {
      const port = Number(environmentOf(compose.services[service] ?? {}).HTTP_PORT);
      expect({ service, port: targets.get(service) }).toEqual({ service, port });
    }
  });

  it('charts only metrics the services export, on the provisioned data source', () => {
    const dashboard = z
      .object({
        uid: z.string(),
        panels: z.array(
          z.object({
            title: z.string(),
            datasource: z.object({ uid: z.string() }),
            targets: z.array(z.object({ expr: z.string() })),
          }),
        ),
      })
      .parse(
        JSON.parse(
          readFileSync(join(repositoryRoot, 'docker', 'grafana', 'dashboards', 'qupersync.json'), 'utf8'),
        ),
      );
    const datasources = readFileSync(
      join(repositoryRoot, 'docker', 'grafana', 'provisioning', 'datasources', 'prometheus.yml'),
      'utf8',
    );
    const exported = new Set<string>();
    for (const metric of new PipelineMetrics().registry.getMetricsAsArray()) {
      exported.add(metric.name);
      for (const suffix of ['_bucket', '_sum', '_count']) exported.add(`${metric.name}${suffix}`);
    }
    const titles = dashboard.panels.map((panel) => panel.title).join(' | ');
    for (const topic of ['Rows per second', 'Consumer lag', 'Run duration', 'Dead letters', 'Failures'])
      expect(titles).toContain(topic);
    for (const panel of dashboard.panels) {
      expect(datasources).toContain(`uid: ${panel.datasource.uid}`);
      for (const target of panel.targets) {
        const metrics = target.expr.match(/qupersync_[a-z_]+/g) ?? [];
        expect(metrics.length).toBeGreaterThan(0);
        for (const metric of metrics)
          expect({ panel: panel.title, metric, exported: exported.has(metric) }).toEqual({
            panel: panel.title,
            metric,
            exported: true,
          });
      }
    }
  });
});
