// GET /health and GET /metrics on every service. Health reports the checks each service
// registers (Kafka connected, database reachable), so an orchestrator restarts a stuck process.
import { Controller, Get, HttpException, HttpStatus, Injectable, Res } from '@nestjs/common';
import type { Response } from 'express';
import { PipelineMetrics } from './pipeline.metrics';

export type HealthCheck = () => Promise<boolean> | boolean;

@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();

  register(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  async evaluate(): Promise<Record<string, boolean>> {
    const results: Record<string, boolean> = {};
    for (const [name, check] of this.checks) {
      try {
        results[name] = await check();
      } catch {
        results[name] = false;
      }
    }
    return results;
  }
}

@Controller()
export class HealthController {
  constructor(
    private readonly healthRegistry: HealthRegistry,
    private readonly metrics: PipelineMetrics,
  ) {}

  @Get('health')
  async health(): Promise<{ status: 'ok'; checks: Record<string, boolean> }> {
    const checks = await this.healthRegistry.evaluate();
    if (Object.values(checks).some((healthy) => !healthy)) {
      throw new HttpException({ status: 'unhealthy', checks }, HttpStatus.SERVICE_UNAVAILABLE);
    }
    return { status: 'ok', checks };
  }

  @Get('metrics')
  async metricsText(@Res() response: Response): Promise<void> {
    response.setHeader('Content-Type', this.metrics.registry.contentType);
    response.send(await this.metrics.registry.metrics());
  }
}
