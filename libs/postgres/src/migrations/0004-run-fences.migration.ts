// Fencing: only the newest extraction attempt of an open run may write to a target. One row per
// run, apart from qupersync_runs (which the coordinator updates on every batch event), so that a
// loader can hold it FOR SHARE for the length of its write without queueing behind the
// coordinator. Ending a run closes its fence: that UPDATE waits for the loader transactions that
// hold it, and every write after it sees the fence closed. Extraction ids begin with their
// attempt's start time, so "newer" is a text comparison. qupersync_claim_fence does the whole
// check in one round trip and returns why a batch is stale, or NULL when it may write.
import { StateMigration } from './state-migration';

export const runFencesMigration: StateMigration = {
  id: 4,
  name: 'run-fences',
  up: `
    CREATE TABLE qupersync_run_fences (
      run_id uuid PRIMARY KEY,
      job text NOT NULL,
      open boolean NOT NULL,
      latest_extraction_id text
    );
    INSERT INTO qupersync_run_fences (run_id, job, open, latest_extraction_id)
      SELECT id, job, status IN ('pending', 'extracting', 'loading'), extraction_id FROM qupersync_runs;
    CREATE FUNCTION qupersync_claim_fence(p_run uuid, p_extraction text) RETURNS text
    LANGUAGE plpgsql AS $fence$
    DECLARE
      fence record;
    BEGIN
      UPDATE qupersync_run_fences SET latest_extraction_id = p_extraction
        WHERE run_id = p_run AND open AND (latest_extraction_id IS NULL OR latest_extraction_id < p_extraction);
      SELECT open, latest_extraction_id INTO fence FROM qupersync_run_fences WHERE run_id = p_run FOR SHARE;
      IF NOT FOUND THEN
        RETURN 'unknown run';
      ELSIF NOT fence.open THEN
        RETURN 'run has ended';
      ELSIF fence.latest_extraction_id IS DISTINCT FROM p_extraction THEN
        RETURN 'superseded by extraction attempt ' || fence.latest_extraction_id;
      END IF;
      RETURN NULL;
    END
    $fence$;
  `,
  down: `
    DROP FUNCTION qupersync_claim_fence(uuid, text);
    DROP TABLE qupersync_run_fences;
  `,
};
