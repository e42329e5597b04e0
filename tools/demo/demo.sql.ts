// The demo's SQL (pure text, unit-tested): the warehouse table with awkward values on purpose —
// BIGINTs above 2^53, NUMERIC(38,10), NULLs next to empty strings, 4-byte Unicode, microsecond
// timestamps — the change set for the incremental run, and the fingerprint both databases compute.
export const demoTable = 'public.demo_orders';

export interface DemoColumn {
  readonly name: string;
  /** The declared type, as format_type() prints it. */
  readonly type: string;
}

export const demoColumns: readonly DemoColumn[] = [
  { name: 'id', type: 'bigint' },
  { name: 'customer_id', type: 'integer' },
  { name: 'amount', type: 'numeric(18,4)' },
  { name: 'exact_ratio', type: 'numeric(38,10)' },
  { name: 'status', type: 'character varying(20)' },
  { name: 'note', type: 'text' },
  { name: 'created_at', type: 'timestamp without time zone' },
  { name: 'updated_at', type: 'timestamp without time zone' },
  { name: 'ship_date', type: 'date' },
  { name: 'is_priority', type: 'boolean' },
];

/** Rows added before the incremental run. */
export const insertedRowCount = 1000;

export function createWarehouseTableSql(): string {
  return `
    DROP TABLE IF EXISTS ${demoTable};
    CREATE TABLE ${demoTable} (
      id bigint NOT NULL,
      customer_id integer NOT NULL,
      amount numeric(18,4) NOT NULL,
      exact_ratio numeric(38,10),
      status varchar(20),
      note text,
      created_at timestamp NOT NULL,
      updated_at timestamp NOT NULL,
      ship_date date,
      is_priority boolean
    )`;
}

/**
 * Row g of the series. Every 1000th id is above 2^53 and odd (a JS number would lose its last
 * digit), every 1000th (offset 500) sits near the BIGINT maximum; the rest are g itself.
 */
function generatedRowsSql(first: number, last: number, updatedAt: string): string {
  return `
    SELECT
      CASE WHEN g % 1000 = 0 THEN 9007199254740993 + g
           WHEN g % 1000 = 500 THEN 9223372036854775807 - g
           ELSE g END,
      ((g * 7919) % 50000 + 1)::integer,
      round(((g * 37) % 1000000) * 0.0123 + 0.0001, 4),
      CASE WHEN g % 13 = 0 THEN NULL
           ELSE round(g::numeric * 1234567.0123456789 / 7, 10)
                + CASE WHEN g % 3 = 0 THEN 123456789012345678901234567 ELSE 0 END END,
      CASE WHEN g % 50 = 0 THEN NULL
           WHEN g % 50 = 1 THEN ''
           ELSE (ARRAY['new', 'paid', 'shipped', 'delivered', 'cancelled'])[1 + g % 5] END,
      CASE g % 8
           WHEN 0 THEN NULL
           WHEN 1 THEN ''
           WHEN 2 THEN 'Grüße aus Zürich – naïve café'
           WHEN 3 THEN 'rocket 🚀, math 𝔘𝔫𝔦𝔠𝔬𝔡𝔢, 漢字'
           WHEN 4 THEN E'tab\\there, newline\\nthere, backslash \\\\ and "quotes"'
           ELSE 'order ' || g END,
      c.created_at,
      ${updatedAt},
      CASE WHEN g % 11 = 0 THEN NULL ELSE date '2024-01-01' + (g % 400)::integer END,
      CASE WHEN g % 17 = 0 THEN NULL ELSE g % 4 = 0 END
    FROM generate_series(${first}::bigint, ${last}::bigint) AS g,
         LATERAL (SELECT timestamp '2024-01-01 00:00:00' + g * interval '1 second'
                         + (g % 999983) * interval '1 microsecond' AS created_at) AS c`;
}

export function insertInitialRowsSql(rows: number): string {
  assertRowCount(rows);
  // Old watermarks with microseconds, each shared by three consecutive rows: 5,000-row batches
  // then split tied rows, and a run that pages on the watermark alone would skip some of them.
  const updatedAt = `timestamp '2024-01-02 00:00:00' + (g / 3) * interval '1 second' + (((g / 3) * 7919) % 1000000) * interval '1 microsecond'`;
  return `INSERT INTO ${demoTable} ${generatedRowsSql(1, rows, updatedAt)}`;
}

/**
 * The change set for the incremental run: about 1% of the rows updated and 1,000 inserted, all
 * stamped just before now, so they sit above the last watermark and below any upper bound the
 * run reads when it starts.
 */
export function updateSomeRowsSql(): string {
  return `
    UPDATE ${demoTable}
       SET amount = amount + 1.2345,
           status = 'updated',
           note = 'updated ✅ ' || id,
           updated_at = localtimestamp - interval '1 second' - (id % 1000000) * interval '1 microsecond'
     WHERE id % 100 = 7`;
}

export function insertNewRowsSql(existingRows: number): string {
  assertRowCount(existingRows);
  const updatedAt = `localtimestamp - interval '1 second' - (g % 1000) * interval '1 microsecond'`;
  return `INSERT INTO ${demoTable} ${generatedRowsSql(existingRows + 1, existingRows + insertedRowCount, updatedAt)}`;
}

/**
 * count(*) and an md5 over every row in id order, computed the same way in both databases. Each
 * column is cast to the source's declared type first, so the text of equal values is equal even
 * if the loader chose an equivalent type (e.g. varchar vs text); lost digits still differ.
 */
export function fingerprintSql(): string {
  const row = demoColumns.map((column) => `t.${column.name}::${column.type}`).join(', ');
  return `
    SELECT count(*)::text AS rows,
           coalesce(md5(string_agg(ROW(${row})::text, E'\\n' ORDER BY t.id)), md5('')) AS digest
      FROM ${demoTable} t`;
}

/** Declared column types, to show whether the loader recreated the source's types exactly. */
export function columnTypesSql(): string {
  return `
    SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
      FROM pg_attribute a
     WHERE a.attrelid = to_regclass('${demoTable}') AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attnum`;
}

function assertRowCount(rows: number): void {
  if (!Number.isSafeInteger(rows) || rows < 1)
    throw new RangeError(`row count must be a positive integer, got ${rows}`);
}
