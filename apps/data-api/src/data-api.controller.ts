// The Data API wire protocol (AWS JSON 1.1): POST / with X-Amz-Target: RedshiftData.<Operation>
// and a JSON body; answers are JSON, errors carry their type in __type and x-amzn-errortype.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Body, Controller, Headers, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { JsonLogger } from '@qupersync/observability';
import { DataApiError } from './data-api.error';
import { FaultInjector, type InjectableRequestFailure } from './fault.injector';
import { StatementService } from './statement.service';

const contentType = 'application/x-amz-json-1.1';
const targetPrefix = 'RedshiftData.';

export function parseJsonBody(body: unknown): unknown {
  if (typeof body !== 'string') return body ?? {};
  if (body.trim() === '') return {};
  try {
    return JSON.parse(body);
  } catch {
    throw new DataApiError('SerializationException', 'The request body is not valid JSON');
  }
}

@Controller()
export class DataApiController {
  private readonly logger = new JsonLogger(DataApiController.name);

  constructor(
    private readonly statements: StatementService,
    private readonly faults: FaultInjector,
  ) {}

  @Post()
  async handle(
    @Headers('x-amz-target') target: string | undefined,
    @Body() body: unknown,
    @Res() response: Response,
  ): Promise<void> {
    response.setHeader('x-amzn-RequestId', randomUUID());
    try {
      if (this.faults.latencyMs > 0) await sleep(this.faults.latencyMs);
      if (target === undefined || !target.startsWith(targetPrefix)) {
        throw new DataApiError(
          'UnknownOperationException',
          `Missing or unknown X-Amz-Target: ${target ?? '(none)'}`,
        );
      }
      const input = parseJsonBody(body);
      if (this.faults.takeThrottle()) throw new DataApiError('ThrottlingException', 'Rate exceeded');
      const failure = this.faults.takeRequestFailure();
      if (failure !== undefined) throw new DataApiError(failure, injectedFailureMessages[failure]);
      const output = await this.statements.dispatch(target.slice(targetPrefix.length), input);
      response.status(200).type(contentType).send(JSON.stringify(output));
    } catch (error) {
      const apiError =
        error instanceof DataApiError
          ? error
          : new DataApiError(
              'InternalServerException',
              error instanceof Error ? error.message : String(error),
            );
      if (apiError.type === 'InternalServerException')
        this.logger.error('request failed', { target, error: apiError.message });
      response.status(apiError.httpStatus).setHeader('x-amzn-errortype', apiError.type);
      response.type(contentType).send(JSON.stringify(apiError.toBody()));
    }
  }
}

/** The messages the real service gives with each exception (its troubleshooting page). */
const injectedFailureMessages: Readonly<Record<InjectableRequestFailure, string>> = {
  QueryTimeoutException: 'The Amazon Redshift Data API operation failed due to timeout.',
  DatabaseConnectionException: 'Connection to the database failed.',
  ExecuteStatementException: 'The SQL statement encountered an environmental error while running.',
  ActiveStatementsExceededException: 'The number of active statements exceeds the limit.',
  InternalServerException: 'The request processing has failed because of an unknown error.',
};
