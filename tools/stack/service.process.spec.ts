import { planServices, serviceMain } from './service.process';

const stack = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  DATABASE_URL: 'postgres://q@h/qupersync',
  WAREHOUSE_DATABASE_URL: 'postgres://q@h/warehouse',
};

describe('planServices', () => {
  const plan = planServices({
    stack,
    loaders: 2,
    ports: [4001, 4002, 4003, 4004, 4005, 4006],
    jobsFile: '/jobs.yaml',
    logLevel: 'debug',
  });
  const byName = new Map(plan.map((spec) => [spec.name, spec]));

  it('plans every service once and numbered loaders', () => {
    expect(plan.map((spec) => spec.name)).toEqual([
      'data-api',
      'coordinator',
      'extractor',
      'transformer',
      'loader-1',
      'loader-2',
    ]);
    expect(plan.map((spec) => spec.port)).toEqual([4001, 4002, 4003, 4004, 4005, 4006]);
  });

  it('gives every instance its own port, client id and the shared servers', () => {
    const loader = byName.get('loader-2')?.environment;
    expect(loader).toMatchObject({
      HTTP_PORT: '4006',
      KAFKA_CLIENT_ID: 'loader-2',
      KAFKA_BROKERS: stack.KAFKA_BROKERS,
      DATABASE_URL: stack.DATABASE_URL,
      QUPERSYNC_JOBS_FILE: '/jobs.yaml',
      LOG_LEVEL: 'debug',
    });
    expect(loader?.WAREHOUSE_DATABASE_URL).toBeUndefined();
  });

  it.each(['extractor', 'coordinator'])(
    'points the %s at the local Data API endpoint with dummy credentials',
    (name) => {
      expect(byName.get(name)?.environment).toMatchObject({
        REDSHIFT_DATA_API_ENDPOINT: 'http://127.0.0.1:4001',
        REDSHIFT_WORKGROUP_NAME: 'local',
        REDSHIFT_DATABASE: 'warehouse',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      });
    },
  );

  it('gives only the Data API endpoint the warehouse database', () => {
    expect(byName.get('data-api')?.environment.WAREHOUSE_DATABASE_URL).toBe(stack.WAREHOUSE_DATABASE_URL);
  });

  it('names a single loader plainly', () => {
    const single = planServices({
      stack,
      loaders: 1,
      ports: [1, 2, 3, 4, 5],
      jobsFile: 'j',
      logLevel: 'info',
    });
    expect(single.at(-1)?.name).toBe('loader');
  });

  it('refuses too few ports', () => {
    expect(() =>
      planServices({ stack, loaders: 3, ports: [1, 2, 3], jobsFile: 'j', logLevel: 'info' }),
    ).toThrow('need 7 ports');
  });
});

describe('serviceMain', () => {
  it('is the compiled main under dist', () => {
    expect(serviceMain('/repo', 'loader')).toBe('/repo/dist/apps/loader/src/main.js');
  });
});

describe('planServices with several extractors', () => {
  it('names them extractor-<n>, each with its own port and client id', () => {
    const plan = planServices({
      stack,
      loaders: 1,
      extractors: 2,
      ports: [4001, 4002, 4003, 4004, 4005, 4006],
      jobsFile: '/jobs.yaml',
      logLevel: 'info',
    });
    expect(plan.map((spec) => `${spec.name}:${spec.port}`)).toEqual([
      'data-api:4001',
      'coordinator:4002',
      'extractor-1:4003',
      'extractor-2:4004',
      'transformer:4005',
      'loader:4006',
    ]);
    expect(plan.find((spec) => spec.name === 'extractor-2')?.environment.KAFKA_CLIENT_ID).toBe('extractor-2');
  });
});

describe('planServices with the stack S3 server', () => {
  const plan = planServices({
    stack: {
      ...stack,
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      REDSHIFT_UNLOAD_S3_URI: 's3://qupersync-unload/unload/',
      REDSHIFT_UNLOAD_IAM_ROLE: 'arn:aws:iam::000000000000:role/qupersync-local-unload',
    },
    loaders: 1,
    ports: [4001, 4002, 4003, 4004, 4005],
    jobsFile: '/jobs.yaml',
    logLevel: 'info',
  });
  const environmentOf = (name: string): Record<string, string> =>
    plan.find((spec) => spec.name === name)?.environment ?? {};

  it('lets the endpoint write and the extractor read UNLOAD files, with keys s3rver accepts', () => {
    expect(environmentOf('extractor')).toMatchObject({
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      REDSHIFT_UNLOAD_S3_URI: 's3://qupersync-unload/unload/',
      REDSHIFT_UNLOAD_IAM_ROLE: 'arn:aws:iam::000000000000:role/qupersync-local-unload',
      AWS_ACCESS_KEY_ID: 'S3RVER',
    });
    expect(environmentOf('data-api')).toMatchObject({
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      AWS_ACCESS_KEY_ID: 'S3RVER',
    });
    expect(environmentOf('loader')).not.toHaveProperty('S3_ENDPOINT');
  });
});
