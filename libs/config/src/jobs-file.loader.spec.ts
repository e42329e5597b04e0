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

  it('reads how a job extracts: auto by default, unload with its S3 location and role', () => {
    const [auto] = parseJobsFile(jobsYaml({}), 'jobs.yaml');
    expect(auto?.source).toMatchObject({ extract: 'auto', unload: { s3Uri: undefined, iamRole: undefined } });
    const [unload] = parseJobsFile(
      jobsYaml({
        source:
          '{ table: public.orders, extract: unload, unload: { s3_uri: "s3://my-bucket/q/", iam_role: "arn:aws:iam::123456789012:role/unload", format: csv } }',
      }),
      'jobs.yaml',
    );
    expect(unload?.source).toMatchObject({
      extract: 'unload',
      unload: { s3Uri: 's3://my-bucket/q/', iamRole: 'arn:aws:iam::123456789012:role/unload', format: 'csv' },
    });
    expect(() =>
      parseJobsFile(
        jobsYaml({ source: '{ table: public.orders, unload: { s3_uri: "https://b/q" } }' }),
        'jobs.yaml',
      ),
    ).toThrow(/source\.unload\.s3_uri.*must be an S3 URI/);
    expect(() =>
      parseJobsFile(jobsYaml({ source: '{ table: public.orders, extract: bulk }' }), 'jobs.yaml'),
    ).toThrow(/source\.extract/);
  });

  it('reads deletes: none by default, hard or soft when asked, and refuses anything else', () => {
    expect(parseJobsFile(jobsYaml({}), 'jobs.yaml')[0]?.deletes).toBe('none');
    expect(parseJobsFile(jobsYaml({ deletes: 'hard' }), 'jobs.yaml')[0]?.deletes).toBe('hard');
    expect(parseJobsFile(jobsYaml({ deletes: 'soft' }), 'jobs.yaml')[0]?.deletes).toBe('soft');
    expect(() => parseJobsFile(jobsYaml({ deletes: 'purge' }), 'jobs.yaml')).toThrow(/deletes/);
  });

  it('reads source.deleted_flag for jobs with deletes, and refuses it where it cannot work', () => {
    expect(
      parseJobsFile(
        jobsYaml({ deletes: 'soft', source: '{ table: public.orders, deleted_flag: Is_Deleted }' }),
        'jobs.yaml',
      )[0]?.source.deletedFlag,
    ).toBe('is_deleted');
    expect(() =>
      parseJobsFile(jobsYaml({ source: '{ table: public.orders, deleted_flag: is_deleted }' }), 'jobs.yaml'),
    ).toThrow(/field source\.deleted_flag: needs deletes: hard or soft/);
    expect(() =>
      parseJobsFile(
        jobsYaml({ deletes: 'hard', source: '{ table: public.orders, deleted_flag: id }' }),
        'jobs.yaml',
      ),
    ).toThrow(/field source\.deleted_flag: cannot be a primary key column/);
    expect(() =>
      parseJobsFile(
        jobsYaml({
          deletes: 'hard',
          source: '{ table: public.orders, deleted_flag: gone, columns: { gone: { as: exclude } } }',
        }),
        'jobs.yaml',
      ),
    ).toThrow(/field source\.deleted_flag: cannot be read as text or excluded/);
  });

  it('reads verify_schedule and reconcile_schedule, and refuses a bad cron or a reconcile without deletes', () => {
    const [job] = parseJobsFile(
      jobsYaml({ deletes: 'soft', verify_schedule: "'0 3 * * *'", reconcile_schedule: "'30 * * * *'" }),
      'jobs.yaml',
    );
    expect(job).toMatchObject({ verifySchedule: '0 3 * * *', reconcileSchedule: '30 * * * *' });
    expect(() => parseJobsFile(jobsYaml({ verify_schedule: 'nightly' }), 'jobs.yaml')).toThrow(
      /field verify_schedule: not a cron expression/,
    );
    expect(() => parseJobsFile(jobsYaml({ reconcile_schedule: "'0 * * * *'" }), 'jobs.yaml')).toThrow(
      /field reconcile_schedule: needs deletes: hard or soft/,
    );
  });

  it('refuses deletes when the entity may change a key on the way', () => {
    expect(() =>
      parseJobsFile(
        jobsYaml({ deletes: 'hard', entity: '{ rules: [{ type: trim, columns: [note, id] }] }' }),
        'jobs.yaml',
      ),
    ).toThrow(
      /field deletes: deletes: hard needs target keys equal to source keys, but a trim rule writes key column id/,
    );
    expect(() =>
      parseJobsFile(jobsYaml({ deletes: 'soft', entity: '{ class: OrderEntity }' }), 'jobs.yaml'),
    ).toThrow(/field deletes: .*entity\.class/);
    expect(
      parseJobsFile(
        jobsYaml({ deletes: 'hard', entity: '{ rules: [{ type: trim, columns: [note] }] }' }),
        'jobs.yaml',
      )[0]?.deletes,
    ).toBe('hard');
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

  it("matches source names by Redshift's rules: folded, quoted or not; the target keeps its case", () => {
    const [job] = parseJobsFile(
      jobsYaml({
        source: `{ table: '"Sales"."OrderLines"' }`,
        target: `{ table: '"Sales"."Order Lines"' }`,
        primary_key: `['"LineId"', Region]`,
        watermark: '"UpdatedAt"',
        numeric_as_float: `['"Ratio"']`,
      }),
      'jobs.yaml',
    );
    expect(job?.source.table).toEqual({ schema: 'sales', name: 'orderlines' });
    expect(job?.targetTable).toEqual({ schema: 'Sales', name: 'Order Lines' });
    expect(job?.primaryKey).toEqual(['lineid', 'region']);
    expect(job?.watermark).toBe('updatedat');
    expect(job?.numericAsFloat).toEqual(['ratio']);
  });

  it('reads source.columns: columns as text or excluded, by folded name; never a key or the watermark', () => {
    const [job] = parseJobsFile(
      jobsYaml({
        source: `{ table: public.orders, columns: { Shape: { as: text }, secret: { as: exclude } } }`,
      }),
      'jobs.yaml',
    );
    expect(job?.source.columns).toEqual({ shape: 'text', secret: 'exclude' });
    expect(() =>
      parseJobsFile(
        jobsYaml({ source: `{ table: public.orders, columns: { id: { as: text } } }` }),
        'jobs.yaml',
      ),
    ).toThrow(
      /job orders, field source\.columns\.id: a primary key or watermark column cannot be read as text/,
    );
    expect(() =>
      parseJobsFile(
        jobsYaml({ source: `{ table: public.orders, columns: { x: { as: json } } }` }),
        'jobs.yaml',
      ),
    ).toThrow(/job orders, field source\.columns\.x\.as/);
  });

  it('keeps the case of quoted source names on a case-sensitive cluster', () => {
    const [job] = parseJobsFile(
      jobsYaml({
        source: `{ table: '"Sales"."OrderLines"', case_sensitive_identifiers: true }`,
        primary_key: `['"LineId"']`,
        watermark: 'UpdatedAt',
      }),
      'jobs.yaml',
    );
    expect(job?.source.table).toEqual({ schema: 'Sales', name: 'OrderLines' });
    expect(job?.primaryKey).toEqual(['LineId']);
    expect(job?.watermark).toBe('updatedat');
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

  it('reads every built-in rule with its defaults', () => {
    const rules = [
      '{ type: trim, columns: [status] }',
      '{ type: case, columns: [status], to: upper }',
      '{ type: default, column: qty, value: 42 }',
      '{ type: default, column: big, value: "9007199254740993" }',
      '{ type: default, column: price, value: "0.10" }',
      '{ type: truncate_date, column: seen_at, unit: week, time_zone: America/New_York }',
      '{ type: truncate_date, column: birthday, unit: month }',
      '{ type: currency, amount_column: amount, currency_column: currency, base_currency: USD, rates: { EUR: "1.0842" } }',
      '{ type: currency, amount_column: cents, currency_column: currency, base_currency: EUR, minor_units: true, target_column: amount_eur, scale: 2, rates_table: { table: public.fx_rates, currency_column: code, rate_column: rate } }',
      '{ type: computed, column: label, op: concat, columns: [first_name, last_name], separator: " " }',
      '{ type: computed, column: contact, op: coalesce, columns: [email, phone] }',
    ];
    const [job] = parseJobsFile(jobsYaml({ entity: `{ rules: [${rules.join(', ')}] }` }), 'jobs.yaml');
    expect(job?.entity.rules).toEqual([
      { type: 'trim', columns: ['status'] },
      { type: 'case', columns: ['status'], to: 'upper' },
      { type: 'default', column: 'qty', value: '42' },
      { type: 'default', column: 'big', value: '9007199254740993' },
      { type: 'default', column: 'price', value: '0.10' },
      { type: 'truncate_date', column: 'seen_at', unit: 'week', time_zone: 'America/New_York' },
      { type: 'truncate_date', column: 'birthday', unit: 'month', time_zone: 'UTC' },
      {
        type: 'currency',
        amount_column: 'amount',
        currency_column: 'currency',
        base_currency: 'USD',
        rates: { EUR: '1.0842' },
        minor_units: false,
        scale: 10,
      },
      {
        type: 'currency',
        amount_column: 'cents',
        currency_column: 'currency',
        base_currency: 'EUR',
        minor_units: true,
        target_column: 'amount_eur',
        scale: 2,
        rates_table: {
          table: { schema: 'public', name: 'fx_rates' },
          currency_column: 'code',
          rate_column: 'rate',
          cache_seconds: 60,
        },
      },
      {
        type: 'computed',
        column: 'label',
        op: 'concat',
        columns: ['first_name', 'last_name'],
        separator: ' ',
      },
      { type: 'computed', column: 'contact', op: 'coalesce', columns: ['email', 'phone'] },
    ]);
  });

  it.each([
    ['{ type: case, columns: [status], to: title }', /field entity.rules.0.to/],
    ['{ type: truncate_date, column: day, unit: year }', /field entity.rules.0.unit/],
    [
      '{ type: truncate_date, column: day, unit: day, time_zone: Mars/Olympus }',
      /"Mars\/Olympus" is not an IANA time zone/,
    ],
    [
      '{ type: default, column: price, value: 0.1 }',
      /field entity.rules.0.value: write a decimal .* as a string/,
    ],
    [
      '{ type: currency, amount_column: a, currency_column: c, base_currency: usd, rates: {} }',
      /base_currency/,
    ],
    [
      '{ type: currency, amount_column: a, currency_column: c, base_currency: USD, rates: { EUR: 1.08 } }',
      /rates.EUR/,
    ],
    [
      '{ type: currency, amount_column: a, currency_column: c, base_currency: USD, rates: { EUR: "-1" } }',
      /rates.EUR/,
    ],
    [
      '{ type: currency, amount_column: a, currency_column: c, base_currency: USD }',
      /exactly one of rates or rates_table/,
    ],
    [
      '{ type: computed, column: x, op: coalesce, columns: [a], separator: "-" }',
      /only concat takes a separator/,
    ],
    ['{ type: computed, column: x, op: eval, columns: [a] }', /field entity.rules.0.op/],
    ['{ type: trim, columns: ["a\\" OR 1=1"] }', /field entity.rules.0.columns.0/],
    ['{ type: upsidedown, columns: [a] }', /field entity.rules.0.type/],
  ])('rejects the rule %s naming the job and field', (rule, message) => {
    expect(() => parseJobsFile(jobsYaml({ entity: `{ rules: [${rule}] }` }), 'jobs.yaml')).toThrow(message);
    expect(() => parseJobsFile(jobsYaml({ entity: `{ rules: [${rule}] }` }), 'jobs.yaml')).toThrow(
      /job orders/,
    );
  });

  it('reads entity.class and refuses it next to columns, rename or rules', () => {
    const [job] = parseJobsFile(jobsYaml({ entity: '{ class: OrderEntity, required: [id] }' }), 'jobs.yaml');
    expect(job?.entity).toMatchObject({ className: 'OrderEntity', required: ['id'] });
    expect(() =>
      parseJobsFile(
        jobsYaml({ entity: '{ class: OrderEntity, rules: [{ type: trim, columns: [a] }] }' }),
        'jobs.yaml',
      ),
    ).toThrow(/job orders, field entity.rules: not allowed with entity.class/);
    expect(() => parseJobsFile(jobsYaml({ entity: '{ class: "Order-Entity" }' }), 'jobs.yaml')).toThrow(
      /field entity.class/,
    );
  });
});
