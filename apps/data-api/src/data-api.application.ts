// Builds the endpoint's Nest application; main.ts listens with it, tests start it in-process.
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataApiModule } from './data-api.module';
import type { DataApiOptions } from './data-api.options';
import { NestJsonLogger } from '@qupersync/observability';

/** Logs go through @qupersync/observability's JSON logger, at the level configureLogging set. */
export async function createDataApiApplication(options: DataApiOptions): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(DataApiModule.register(options), {
    // The SDK sends application/x-amz-json-1.1, which express's JSON parser ignores: bodies
    // arrive as text and are parsed by the handlers, so a bad body becomes an AWS-shaped error.
    bodyParser: false,
    logger: new NestJsonLogger(),
  });
  app.useBodyParser('text', { type: () => true, limit: '2mb' });
  return app;
}
