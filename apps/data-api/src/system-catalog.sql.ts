// The Redshift system views the extractor reads, as the local warehouse plays them:
//   svv_table_info  a table's first sort key column. A declared sort key is a BRIN index here
//                   (PostgreSQL's zone maps), so sortkey1 is the first column of the table's
//                   first BRIN index, and a table without one has no sort key.
//   stl_scan        rows each statement's table scans read before filtering (rows_pre_filter),
//                   by the statement's RedshiftQueryId, written by the endpoint itself.
// They live in their own schema, last on every endpoint session's search_path, so a user's own
// table of the same name still wins and the user's schemas stay clean.

export const systemCatalogSchema = 'qupersync_redshift';

/** Redshift's case_insensitive collation; PostgreSQL has it through ICU, when built with ICU. */
export const caseInsensitiveCollation = `${systemCatalogSchema}.case_insensitive`;

export const systemCatalogStatements: readonly string[] = [
  `CREATE SCHEMA IF NOT EXISTS ${systemCatalogSchema}`,
  `DO $$ BEGIN
     CREATE COLLATION IF NOT EXISTS ${caseInsensitiveCollation}
       (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
   EXCEPTION WHEN OTHERS THEN
     RAISE NOTICE 'no ICU: COLLATE(..., ''case_insensitive'') is not available';
   END $$`,
  `CREATE OR REPLACE VIEW ${systemCatalogSchema}.svv_table_info AS
     SELECT current_database()::text AS database,
            n.nspname::text AS schema,
            c.oid AS table_id,
            c.relname::text AS "table",
            (SELECT a.attname::text
               FROM pg_index i
               JOIN pg_class ic ON ic.oid = i.indexrelid
               JOIN pg_am am ON am.oid = ic.relam
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
              WHERE i.indrelid = c.oid AND am.amname = 'brin'
              ORDER BY ic.oid LIMIT 1) AS sortkey1,
            (SELECT cardinality(i.indkey::int2[])
               FROM pg_index i
               JOIN pg_class ic ON ic.oid = i.indexrelid
               JOIN pg_am am ON am.oid = ic.relam
              WHERE i.indrelid = c.oid AND am.amname = 'brin'
              ORDER BY ic.oid LIMIT 1) AS sortkey_num,
            GREATEST(c.reltuples, 0)::numeric(38, 0) AS tbl_rows,
            (pg_relation_size(c.oid) / 1048576)::bigint AS size
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema', '${systemCatalogSchema}')
        AND n.nspname NOT LIKE 'pg\\_toast%'`,
  `CREATE TABLE IF NOT EXISTS ${systemCatalogSchema}.stl_scan (
     query bigint NOT NULL,
     slice integer NOT NULL DEFAULT 0,
     starttime timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
     tbl bigint NOT NULL,
     perm_table_name text NOT NULL,
     rows_pre_filter bigint NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS stl_scan_query ON ${systemCatalogSchema}.stl_scan (query)`,
];

/**
 * Rows each user table has had read by scans in this backend and not yet flushed to the
 * statistics collector: sequential-scan tuples plus tuples fetched by (BRIN) bitmap heap scans,
 * counted before any filter. Read just before and just after a statement runs, in one message,
 * so no flush falls between; the difference is what the statement read, table by table.
 */
export const pendingScanCountsSql = `SELECT c.oid::text, n.nspname || '.' || c.relname,
       (pg_stat_get_xact_tuples_returned(c.oid) + pg_stat_get_xact_tuples_fetched(c.oid))::text
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'm', 'p')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', '${systemCatalogSchema}')
   AND n.nspname NOT LIKE 'pg\\_toast%'
   AND pg_stat_get_xact_tuples_returned(c.oid) + pg_stat_get_xact_tuples_fetched(c.oid) > 0`;
