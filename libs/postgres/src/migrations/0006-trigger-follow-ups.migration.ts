// Request keys are idempotency keys of a sender for one job: two jobs may share a key without one
// swallowing the other's trigger, so the key is unique per (job, request_key). A trigger that
// arrives while a run of its job is already extracting may be too late for that run's upper
// bound: it queues one follow-up run ('queued', at most one per job), which starts when the
// active run ends, so the rows the sender just wrote are read.
import { StateMigration } from './state-migration';

export const triggerFollowUpsMigration: StateMigration = {
  id: 6,
  name: 'trigger-follow-ups',
  up: `
    ALTER TABLE qupersync_trigger_requests DROP CONSTRAINT qupersync_trigger_requests_pkey;
    ALTER TABLE qupersync_trigger_requests ADD PRIMARY KEY (job, request_key);
    ALTER TABLE qupersync_runs DROP CONSTRAINT qupersync_runs_status_check;
    ALTER TABLE qupersync_runs ADD CONSTRAINT qupersync_runs_status_check
      CHECK (status IN ('queued', 'pending', 'extracting', 'loading', 'succeeded', 'failed'));
    CREATE UNIQUE INDEX qupersync_runs_one_queued_per_job ON qupersync_runs (job) WHERE status = 'queued';
  `,
  down: `
    DROP INDEX qupersync_runs_one_queued_per_job;
    UPDATE qupersync_runs SET status = 'failed', error = 'follow-up run dropped by a migration down',
      finished_at = now() WHERE status = 'queued';
    ALTER TABLE qupersync_runs DROP CONSTRAINT qupersync_runs_status_check;
    ALTER TABLE qupersync_runs ADD CONSTRAINT qupersync_runs_status_check
      CHECK (status IN ('pending', 'extracting', 'loading', 'succeeded', 'failed'));
    DELETE FROM qupersync_trigger_requests r USING qupersync_trigger_requests o
      WHERE r.request_key = o.request_key AND r.job > o.job;
    ALTER TABLE qupersync_trigger_requests DROP CONSTRAINT qupersync_trigger_requests_pkey;
    ALTER TABLE qupersync_trigger_requests ADD PRIMARY KEY (request_key);
  `,
};
