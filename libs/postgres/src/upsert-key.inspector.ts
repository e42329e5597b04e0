// Whether a target table can take upserts on a job's primary key: INSERT … ON CONFLICT (key) needs
// a unique, immediate, valid, non-partial index on exactly those columns (a primary key is one).
// The coordinator asks before a run starts, the loader before its first write into a table.
import type { PostgresDatabase } from './postgres.database';

/** Why `table` (quoted, schema-qualified) cannot be upserted on `primaryKey`; undefined when it can or does not exist. */
export async function upsertKeyProblem(
  database: Pick<PostgresDatabase, 'query'>,
  table: string,
  primaryKey: readonly string[],
): Promise<string | undefined> {
  const rows = await database.query<{ exists: boolean; found: boolean }>(
    `SELECT to_regclass($1) IS NOT NULL AS exists,
            EXISTS (
              SELECT 1 FROM pg_index i
              WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indimmediate AND i.indisvalid AND i.indisready
                AND i.indpred IS NULL AND i.indexprs IS NULL AND i.indnkeyatts = cardinality($2::text[])
                AND (SELECT array_agg(a.attname::text COLLATE "C" ORDER BY a.attname::text COLLATE "C")
                     FROM pg_attribute a
                     WHERE a.attrelid = i.indrelid AND a.attnum = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1]))
                  = (SELECT array_agg(k COLLATE "C" ORDER BY k COLLATE "C") FROM unnest($2::text[]) k)
            ) AS found`,
    [table, [...primaryKey]],
  );
  const row = rows[0];
  if (row === undefined || !row.exists || row.found) return undefined;
  const columns = primaryKey.map((name) => `"${name.replace(/"/g, '""')}"`).join(', ');
  return (
    `target table ${table} has no primary key or unique index on exactly (${primaryKey.join(', ')}), ` +
    `so rows cannot be upserted; add one, e.g. ALTER TABLE ${table} ADD PRIMARY KEY (${columns})`
  );
}
