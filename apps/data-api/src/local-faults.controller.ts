// POST/GET/DELETE /_local/faults: the test knobs of the local endpoint (see FaultInjector).
import { Body, Controller, Delete, Get, HttpCode, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DataApiError } from './data-api.error';
import { parseJsonBody } from './data-api.controller';
import { FaultInjector, type FaultSettings, faultSettingsSchema } from './fault.injector';

@Controller('_local/faults')
export class LocalFaultsController {
  constructor(private readonly faults: FaultInjector) {}

  @Get()
  current(): FaultSettings {
    return this.faults.current();
  }

  @Post()
  update(@Body() body: unknown, @Res() response: Response): void {
    try {
      const parsed = faultSettingsSchema.partial().safeParse(parseJsonBody(body));
      if (!parsed.success) {
        response.status(400).json({
          message: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
        });
        return;
      }
      response.status(200).json(this.faults.update(parsed.data));
    } catch (error) {
      response.status(400).json({ message: error instanceof DataApiError ? error.message : String(error) });
    }
  }

  @Delete()
  @HttpCode(200)
  reset(): FaultSettings {
    return this.faults.reset();
  }
}
