// The transform phase through the real pipeline: built-in rules (trim, case, default, DST-aware
// date truncation, exact currency conversion, a computed column) on a table of every type.
// Invalid rows land in the dead-letter topic with job, run, sequence, key, reason and raw row and
// are counted on the run; the valid rows of the same batches reach the target. on_invalid: fail
// fails the run, and a rule naming an unknown column fails its batches with the reason.
import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { deadLetterCodec, TopicNames } from '@qupersync/contracts';
import type { DeadLetterMessage } from '@qupersync/contracts';
import { createAllTypesTable, executeSql } from '@qupersync/testing';
import { z } from 'zod';
import { PipelineHarness, uniqueSuffix } from './pipeline.harness';

jest.setTimeout(300_000);

const suffix = uniqueSuffix();
const rows = 1_000;
const tables = {
  skip: `e2e_rules_${suffix}`,
  fail: `e2e_rules_fail_${suffix}`,
  unknown: `e2e_rules_bad_${suffix}`,
};
const jobs = {
  skip: `e2e-rules-${suffix}`,
  fail: `e2e-rules-fail-${suffix}`,
  unknown: `e2e-rules-bad-${suffix}`,
};
const warehouseUrl = (): string => process.env.WAREHOUSE_DATABASE_URL ?? '';
const databaseUrl = (): string => process.env.DATABASE_URL ?? '';
const firstId = 9007199254740000n;
/** The oracle's own exact arithmetic: decimal.js's default 20 significant digits would round 38-digit amounts. */
const ExactDecimal = Decimal.clone({ precision: 100 });

/** Rows the skip job must refuse: customer_id NULL (g % 11 = 0) or an unknown currency (g % 13 = 5). */
const invalidGenerations = Array.from({ length: rows }, (_, index) => index + 1).filter(
  (g) => g % 11 === 0 || g % 13 === 5,
);

let pipeline: PipelineHarness;

beforeAll(async () => {
  for (const table of Object.values(tables)) {
    await createAllTypesTable(warehouseUrl(), table, table === tables.skip ? rows : 300);
    await executeSql(databaseUrl(), `DROP TABLE IF EXISTS public.${table}`);
  }
  // g % 13 = 0 rows have a NULL amount: NULL stays NULL whatever the currency says.
  await executeSql(
    warehouseUrl(),
    `ALTER TABLE public.${tables.skip} ADD COLUMN currency varchar(3);
     UPDATE public.${tables.skip} SET currency = CASE
       WHEN (id - ${firstId}) % 13 = 5 THEN 'XYZ' WHEN (id - ${firstId}) % 2 = 0 THEN 'eur' ELSE 'USD' END`,
  );
  pipeline = await PipelineHarness.start([
    {
      name: jobs.skip,
      table: tables.skip,
      mode: 'full',
      batchSize: 200,
      extra: [
        'entity:',
        '  required: [customer_id]',
        '  rules:',
        '    - { type: trim, columns: [status] }',
        '    - { type: case, columns: [status], to: upper }',
        '    - { type: default, column: status, value: NONE }',
        '    - { type: default, column: small_value, value: 7 }',
        '    - { type: truncate_date, column: seen_at, unit: day, time_zone: America/New_York }',
        '    - { type: truncate_date, column: birthday, unit: month }',
        '    - { type: currency, amount_column: amount, currency_column: currency, base_currency: USD, rates: { EUR: "1.0842" }, target_column: amount_usd, scale: 2 }',
        '    - { type: computed, column: label, op: concat, columns: [status, customer_id], separator: ":" }',
      ],
    },
    {
      name: jobs.fail,
      table: tables.fail,
      mode: 'full',
      batchSize: 100,
      extra: ['entity: { required: [customer_id], on_invalid: fail }'],
    },
    {
      name: jobs.unknown,
      table: tables.unknown,
      mode: 'full',
      batchSize: 100,
      extra: ['entity: { rules: [{ type: trim, columns: [colour] }] }'],
    },
  ]);
});

afterAll(async () => {
  await pipeline?.stop();
});

async function query<Row>(url: string, sql: string): Promise<Row[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query(sql);
    return result.rows as Row[];
  } finally {
    await client.end();
  }
}

/** Dead letters of one job and run, read from the beginning of the topic by a fresh group. */
async function readDeadLetters(job: string, runId: string, expected: number): Promise<DeadLetterMessage[]> {
  const kafka = new Kafka({
    clientId: `e2e-dead-letters-${suffix}`,
    brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: `e2e-dead-letters-${randomUUID()}` });
  const found: DeadLetterMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: TopicNames.deadLetter, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const letter = deadLetterCodec.decode(message.value);
        if (letter.job === job && letter.runId === runId) found.push(letter);
        await Promise.resolve();
      },
    });
    const deadline = Date.now() + 60_000;
    while (found.length < expected && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 250));
    // A moment more, so a surplus (a row dead-lettered twice) would show.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  } finally {
    await consumer.disconnect();
  }
  return found;
}

const listedDeadLetterSchema = z.array(
  z.object({
    job: z.string().nullable(),
    runId: z.string().nullable(),
    stage: z.string(),
    errorCode: z.string(),
    reason: z.string(),
    rowKey: z.string().nullable(),
    row: z.string().nullable(),
  }),
);

/** `qupersync dead-letters --job J --run R --json`, polled until the coordinator has stored `expected`. */
async function waitForListedDeadLetters(
  job: string,
  runId: string,
  expected: number,
): Promise<z.infer<typeof listedDeadLetterSchema>> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const result = pipeline.cli('dead-letters', '--job', job, '--run', runId, '--limit', '1000', '--json');
    expect(result.status).toBe(0);
    const letters = listedDeadLetterSchema.parse(JSON.parse(result.stdout));
    if (letters.length >= expected || Date.now() > deadline) return letters;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

it('dead-letters invalid rows with their reason and raw row, and loads the valid ones transformed', async () => {
  const run = await pipeline.triggerAndWait(jobs.skip, { mode: 'full' });
  expect(run).toMatchObject({
    status: 'succeeded',
    rowsExtracted: rows,
    rowsDeadLettered: invalidGenerations.length,
    rowsLoaded: rows - invalidGenerations.length,
    failedBatches: 0,
  });

  const letters = await readDeadLetters(jobs.skip, run.runId, invalidGenerations.length);
  expect(letters).toHaveLength(invalidGenerations.length);
  const byKey = new Map(letters.map((letter) => [letter.rowKey, letter]));
  for (const g of invalidGenerations) {
    const id = (firstId + BigInt(g)).toString();
    const letter = byKey.get(JSON.stringify({ id }));
    expect(letter).toMatchObject({
      stage: 'transformer',
      errorCode: 'ROW_INVALID',
      sequence: expect.any(Number),
    });
    expect(letter?.reason).toBe(
      // Rules run before the required check, so a row failing both reports the rule.
      g % 13 === 5
        ? 'rule 7 (currency): amount: unknown currency "XYZ": no rate to USD in the job\'s rates'
        : 'required field(s) missing: customer_id',
    );
    // The raw row is the source row as extracted, exact (BIGINT as text, untouched status).
    const raw: unknown = JSON.parse(letter?.row ?? 'null');
    expect(raw).toMatchObject({ id, currency: g % 13 === 5 ? 'XYZ' : expect.anything() });
  }

  // The same letters are queryable without consuming the topic: `qupersync dead-letters`.
  const listed = await waitForListedDeadLetters(jobs.skip, run.runId, invalidGenerations.length);
  expect(listed).toHaveLength(invalidGenerations.length);
  expect(new Set(listed.map((letter) => letter.rowKey))).toEqual(new Set(byKey.keys()));
  for (const letter of listed) {
    expect(letter).toMatchObject({
      job: jobs.skip,
      runId: run.runId,
      stage: 'transformer',
      errorCode: 'ROW_INVALID',
    });
    expect(letter.reason).toBe(byKey.get(letter.rowKey)?.reason);
    expect(letter.row).toBe(byKey.get(letter.rowKey)?.row);
  }

  const source = await query<{
    id: string;
    status: string | null;
    amount: string | null;
    currency: string;
    seen_at_day: string;
    birthday_month: string;
    customer_id: number;
  }>(
    warehouseUrl(),
    `SELECT id::text, status, amount::text, currency, customer_id,
            to_char((date_trunc('day', seen_at AT TIME ZONE 'America/New_York') AT TIME ZONE 'America/New_York') AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS seen_at_day,
            to_char(date_trunc('month', birthday), 'YYYY-MM-DD') AS birthday_month
     FROM public.${tables.skip} ORDER BY id`,
  );
  const target = await query<{
    id: string;
    status: string;
    amount_usd: string | null;
    seen_at: string;
    birthday: string;
    label: string;
    small_value: number;
  }>(
    databaseUrl(),
    `SELECT id::text, status, amount_usd::text, label, small_value,
            to_char(seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS seen_at,
            to_char(birthday, 'YYYY-MM-DD') AS birthday
     FROM public.${tables.skip} ORDER BY id`,
  );
  const invalidIds = new Set(invalidGenerations.map((g) => (firstId + BigInt(g)).toString()));
  const expected = source
    .filter((row) => !invalidIds.has(row.id))
    .map((row) => {
      const status = row.status === null ? 'NONE' : row.status.trim().toUpperCase();
      const rate = row.currency === 'USD' ? '1' : '1.0842';
      return {
        id: row.id,
        status,
        amount_usd:
          row.amount === null
            ? null
            : new ExactDecimal(row.amount).times(rate).toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN).toFixed(2),
        label: `${status}:${row.customer_id}`,
        seen_at: row.seen_at_day,
        birthday: row.birthday_month,
      };
    });
  expect(target.map(({ small_value: _small, ...row }) => row)).toEqual(expected);
  // '' is a value, not NULL: it stays '' (trimmed, upper-cased), only NULL takes the default.
  expect(target.some((row) => row.status === '')).toBe(true);
  expect(target.some((row) => row.status === 'NONE')).toBe(true);
});

it('fails the run when on_invalid is fail, loading nothing of the failing batches', async () => {
  const run = await pipeline.triggerAndWait(jobs.fail, { mode: 'full' });
  expect(run.status).toBe('failed');
  expect(run.failedBatches).toBeGreaterThan(0);
  const failures = await pipeline.api<unknown>(`/failures?job=${jobs.fail}`);
  expect(JSON.stringify(failures)).toMatch(
    /invalid row\(s\); first: required field\(s\) missing: customer_id/,
  );
});

it('fails every batch of a job whose rule names an unknown column, with the reason', async () => {
  const run = await pipeline.triggerAndWait(jobs.unknown, { mode: 'full' });
  expect(run).toMatchObject({ status: 'failed', rowsLoaded: 0 });
  const failures = await pipeline.api<unknown>(`/failures?job=${jobs.unknown}`);
  expect(JSON.stringify(failures)).toMatch(/BATCH_INVALID/);
  expect(JSON.stringify(failures)).toMatch(/rule 1 \(trim\): column \\"colour\\" is not in the entity/);
  const letters = await readDeadLetters(jobs.unknown, run.runId, 3);
  expect(letters.map((letter) => letter.errorCode)).toEqual([
    'BATCH_INVALID',
    'BATCH_INVALID',
    'BATCH_INVALID',
  ]);
});
