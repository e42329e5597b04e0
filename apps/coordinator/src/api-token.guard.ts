// When COORDINATOR_API_TOKEN is set, every API call needs "Authorization: Bearer <token>".
// Health and metrics stay open for probes.
import { CanActivate, ExecutionContext, HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { COORDINATOR_SETTINGS, CoordinatorSettings } from './coordinator.settings';

@Injectable()
export class ApiTokenGuard implements CanActivate {
  constructor(@Inject(COORDINATOR_SETTINGS) private readonly settings: CoordinatorSettings) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.settings.apiToken;
    if (expected === undefined) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const header = request.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
    const matches =
      given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
    if (!matches)
      throw new HttpException(
        { statusCode: 401, message: 'missing or wrong bearer token' },
        HttpStatus.UNAUTHORIZED,
      );
    return true;
  }
}
