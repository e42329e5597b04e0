// Dead letters you can query (issue 14): every record of qupersync.dead-letter.v1, kept in a table
// by the coordinator, so an operator lists them by job or run without consuming the topic. A
// letter's identity is its position in the topic: reading the topic again inserts nothing twice.
// `replayed_at` is set when the letter's rows have been sent through the pipeline again.
import { StateMigration } from './state-migration';

export const deadLettersMigration: StateMigration = {
  id: 11,
  name: 'dead-letters',
  up: `
    CREATE TABLE qupersync_dead_letters (
      topic_partition integer NOT NULL,
      topic_offset bigint NOT NULL,
      job text,
      run_id text,
      sequence integer,
      stage text NOT NULL,
      error_code text NOT NULL,
      reason text NOT NULL,
      row_key text,
      row_text text,
      source_topic text,
      source_partition integer,
      source_offset text,
      payload bytea,
      occurred_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      replayed_at timestamptz,
      PRIMARY KEY (topic_partition, topic_offset)
    );
    CREATE INDEX qupersync_dead_letters_job ON qupersync_dead_letters (job, created_at DESC);
    CREATE INDEX qupersync_dead_letters_run ON qupersync_dead_letters (run_id);
    CREATE INDEX qupersync_dead_letters_occurred ON qupersync_dead_letters (occurred_at);
  `,
  down: `
    DROP TABLE qupersync_dead_letters;
  `,
};
