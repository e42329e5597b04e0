// Liveness for the stack scripts and compose health checks.
import { Controller, Get } from '@nestjs/common';

@Controller('health')
export class HealthController {
  @Get()
  health(): { status: 'ok'; service: 'data-api' } {
    return { status: 'ok', service: 'data-api' };
  }
}
