import { parseJobsFile } from './jobs-file.loader';

function jobsYaml(job: Record<string, string>): string {
  const base: Record<string, string> = {
    name: 'orders',
    source: '{ table: public.orders }',
    target: '{ table: public.orders }',
    primary_key: '[id]',
    mode: 'incremental',
    watermark: 'updated_at',
    ...job,
  };
  return [
    'jobs:',
    ...Object.entries(base).map(([key, value], index) => `${index === 0 ? '  - ' : '    '}${key}: ${value}`),
  ].join('\n');
}

describe('parseJobsFile', () => {
  it('reads a job with the seed defaults', () => {
    const [job] = parseJobsFile(jobsYaml({}), 'jobs.yaml');
    expect(job).toMatchObject({
      name: 'orders',
      targetTable: { schema: 'public', name: 'orders' },
      primaryKey: ['id'],
      watermark: 'updated_at',
      batchSize: 1000,
      commitPerBatch: true,
      maxRetries: 3,
      lookbackMs: 0,
      entity: { required: [], rules: [], onInvalid: 'skip' },
    });
  });

  it('names the job and the field of every problem', () => {
    expect(() => parseJobsFile(jobsYaml({ batch_size: '0' }), 'jobs.yaml')).toThrow(
      /job orders, field batch_size/,
    );
    expect(() => parseJobsFile(jobsYaml({ watermark: '~' }), 'jobs.yaml')).toThrow(
      /job orders, field watermark: required for incremental mode/,
    );
    expect(() => parseJobsFile(jobsYaml({ lookback: 'soon' }), 'jobs.yaml')).toThrow(
      /field lookback: "soon" is not a duration/,
    );
    expect(() => parseJobsFile(jobsYaml({ surprise: 'yes' }), 'jobs.yaml')).toThrow(
      /job orders: Unrecognized key/,
    );
  });

  it.each([
    ['source', '{ table: "orders; DROP TABLE users" }'],
    ['target', '{ table: "public.orders --" }'],
    ['primary_key', '["id) OR 1=1 --"]'],
    ['watermark', '"updated_at\\" = 1; --"'],
  ])('rejects an identifier in %s that tries SQL injection', (field, value) => {
    expect(() => parseJobsFile(jobsYaml({ [field]: value }), 'jobs.yaml')).toThrow(
      new RegExp(`job orders, field ${field}`),
    );
  });

  it('accepts quoted identifiers and keeps their case', () => {
    const [job] = parseJobsFile(
      jobsYaml({
        target: `{ table: '"Sales"."Order Lines"' }`,
        primary_key: `['"LineId"']`,
        mode: 'full',
        watermark: '~',
      }),
      'jobs.yaml',
    );
    expect(job?.targetTable).toEqual({ schema: 'Sales', name: 'Order Lines' });
    expect(job?.primaryKey).toEqual(['LineId']);
  });

  it('validates the cron schedule at start-up', () => {
    expect(parseJobsFile(jobsYaml({ schedule: '"*/15 * * * *"' }), 'jobs.yaml')[0]?.schedule).toBe(
      '*/15 * * * *',
    );
    expect(() => parseJobsFile(jobsYaml({ schedule: '"every tuesday"' }), 'jobs.yaml')).toThrow(
      /job orders, field schedule: not a cron expression/,
    );
  });

  it('rejects duplicate names and YAML that does not parse', () => {
    const twice = `${jobsYaml({})}\n${jobsYaml({}).replace('jobs:\n', '')}`;
    expect(() => parseJobsFile(twice, 'jobs.yaml')).toThrow(/duplicate job name "orders"/);
    expect(() => parseJobsFile('jobs: [', 'jobs.yaml')).toThrow(/not valid YAML/);
  });
});
