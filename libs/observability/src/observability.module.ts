// Health, metrics, logging and trace export for a service, imported once by each app module.
import { Global, Module } from '@nestjs/common';
import { HealthController, HealthRegistry } from './health.controller';
import { PipelineMetrics } from './pipeline.metrics';
import { SpanExporter } from './span.exporter';

@Global()
@Module({
  controllers: [HealthController],
  providers: [HealthRegistry, PipelineMetrics, SpanExporter],
  exports: [HealthRegistry, PipelineMetrics, SpanExporter],
})
export class ObservabilityModule {}
