// Health, metrics and logging for a service, imported once by each app module.
import { Global, Module } from '@nestjs/common';
import { HealthController, HealthRegistry } from './health.controller';
import { PipelineMetrics } from './pipeline.metrics';

@Global()
@Module({
  controllers: [HealthController],
  providers: [HealthRegistry, PipelineMetrics],
  exports: [HealthRegistry, PipelineMetrics],
})
export class ObservabilityModule {}
