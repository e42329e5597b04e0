// The coordinator service: state, API, Kafka handlers and the run supervisor.
import { DynamicModule, Module } from '@nestjs/common';
import { JobCatalog } from '@qupersync/config';
import { KafkaModule, KafkaSettings } from '@qupersync/kafka';
import { ObservabilityModule, SystemClock } from '@qupersync/observability';
import { PostgresModule, PostgresSettings } from '@qupersync/postgres';
import { RedshiftModule } from '@qupersync/redshift';
import type { RedshiftEnvironment } from '@qupersync/redshift';
import { ApiTokenGuard } from './api-token.guard';
import { ConsoleController } from './console/console.controller';
import { CoordinatorEventsConsumer } from './coordinator-events.consumer';
import { COORDINATOR_SETTINGS, CoordinatorSettings } from './coordinator.settings';
import { DeadLetterRepository } from './dead-letter.repository';
import { JobsReloadService } from './jobs-reload.service';
import { TargetDeletes } from './deletes/target-deletes.service';
import { PipelineStatusService } from './pipeline-status.service';
import { RunLifecycleService } from './run-lifecycle.service';
import { RunBatchesRepository } from './run-batches.repository';
import { RunStateRepository } from './run-state.repository';
import { RunSupervisorService } from './run-supervisor.service';
import { RunsController } from './runs.controller';
import { TableVerifier, VERIFY_REDSHIFT_ENVIRONMENT } from './verify/table-verifier.service';
import { VerificationService } from './verify/verification.service';

export interface CoordinatorModuleOptions {
  readonly kafka: KafkaSettings;
  readonly postgres: PostgresSettings;
  readonly coordinator: CoordinatorSettings;
  readonly jobs: JobCatalog;
  readonly redshift: RedshiftEnvironment;
}

@Module({})
export class CoordinatorModule {
  static register(options: CoordinatorModuleOptions): DynamicModule {
    return {
      module: CoordinatorModule,
      imports: [
        ObservabilityModule,
        KafkaModule.forRoot(options.kafka),
        PostgresModule.forRoot(options.postgres),
        RedshiftModule.forRoot({ environment: options.redshift }),
      ],
      controllers: [RunsController, CoordinatorEventsConsumer, ConsoleController],
      providers: [
        { provide: COORDINATOR_SETTINGS, useValue: options.coordinator },
        { provide: JobCatalog, useValue: options.jobs },
        SystemClock,
        ApiTokenGuard,
        RunStateRepository,
        RunLifecycleService,
        RunSupervisorService,
        PipelineStatusService,
        DeadLetterRepository,
        RunBatchesRepository,
        { provide: VERIFY_REDSHIFT_ENVIRONMENT, useValue: options.redshift },
        TableVerifier,
        VerificationService,
        TargetDeletes,
        JobsReloadService,
      ],
    };
  }
}
