// Prometheus metrics shared by every service: rows and batches per phase, batch latency,
// failures and dead letters. One registry per process, exposed at GET /metrics.
import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type PipelinePhase = 'extract' | 'transform' | 'load' | 'coordinate';

@Injectable()
export class PipelineMetrics {
  readonly registry = new Registry();
  readonly rows = new Counter({
    name: 'qupersync_rows_total',
    help: 'Rows processed, by phase and job',
    labelNames: ['phase', 'job'],
    registers: [this.registry],
  });
  readonly batches = new Counter({
    name: 'qupersync_batches_total',
    help: 'Batches processed, by phase, job and outcome',
    labelNames: ['phase', 'job', 'outcome'],
    registers: [this.registry],
  });
  readonly batchSeconds = new Histogram({
    name: 'qupersync_batch_duration_seconds',
    help: 'Time to process one batch, by phase',
    labelNames: ['phase'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly deadLetters = new Counter({
    name: 'qupersync_dead_letters_total',
    help: 'Rows or messages sent to the dead-letter topic, by stage and code',
    labelNames: ['stage', 'code'],
    registers: [this.registry],
  });
  readonly failures = new Counter({
    name: 'qupersync_failures_total',
    help: 'Failed batches or runs, by phase and error code',
    labelNames: ['phase', 'code'],
    registers: [this.registry],
  });
  readonly runs = new Counter({
    name: 'qupersync_runs_total',
    help: 'Runs that ended, by job and outcome (succeeded, failed, cancelled)',
    labelNames: ['job', 'outcome'],
    registers: [this.registry],
  });
  readonly runSeconds = new Histogram({
    name: 'qupersync_run_duration_seconds',
    help: 'Time from a run being triggered to its end, by job and outcome',
    labelNames: ['job', 'outcome'],
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600],
    registers: [this.registry],
  });
  readonly staleRows = new Counter({
    name: 'qupersync_stale_rows_total',
    help: 'Rows of batches fenced as stale (an ended run, a superseded attempt, a replay) and never written',
    labelNames: ['job'],
    registers: [this.registry],
  });
  readonly extractionsStopped = new Counter({
    name: 'qupersync_extractions_stopped_total',
    help: 'Extractions stopped (their statement cancelled) because the coordinator ended their run',
    registers: [this.registry],
  });
  readonly statementsShrunk = new Counter({
    name: 'qupersync_source_statements_shrunk_total',
    help: 'Data API statements asked for again with fewer rows because their result was too large',
    registers: [this.registry],
  });
  readonly verifyDifferences = new Gauge({
    name: 'qupersync_verify_differences',
    help: "Keys the job's last verify found missing, extra or different in the target",
    labelNames: ['job', 'kind'],
    registers: [this.registry],
  });
  readonly consumerLag = new Gauge({
    name: 'qupersync_consumer_lag_messages',
    help: 'Messages between the last consumed offset and the partition high watermark',
    labelNames: ['topic', 'partition'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'qupersync_process_' });
  }
}
