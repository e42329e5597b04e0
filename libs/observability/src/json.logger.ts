// Structured JSON logs, one line per event, named by the class that logs. Fields such as job,
// runId, sequence and offset go in as data; anything that looks like a secret is redacted.
import { LoggerService } from '@nestjs/common';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

const levelOrder: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };
const secretKeyPattern = /pass(word)?|secret|token|credential|authorization|api[_-]?key/i;
const credentialsInUrlPattern = /(\w+:\/\/)([^:@/\s]+):([^@/\s]+)@/g;

let minimumLevel: LogLevel = 'info';
let serviceName = 'qupersync';

export function configureLogging(options: { service: string; level: LogLevel }): void {
  serviceName = options.service;
  minimumLevel = options.level;
}

export function redactText(text: string): string {
  return text.replace(credentialsInUrlPattern, '$1$2:***@');
}

function redactFields(fields: LogFields): LogFields {
  const result: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (secretKeyPattern.test(key)) result[key] = '***';
    else if (typeof value === 'string') result[key] = redactText(value);
    else if (typeof value === 'bigint') result[key] = value.toString();
    else if (value instanceof Error) result[key] = redactText(value.message);
    else result[key] = value;
  }
  return result;
}

export class JsonLogger {
  constructor(
    private readonly context: string,
    private readonly baseFields: LogFields = {},
  ) {}

  /** A logger that adds fields (job, runId, ...) to every line it writes. */
  with(fields: LogFields): JsonLogger {
    return new JsonLogger(this.context, { ...this.baseFields, ...fields });
  }

  debug(message: string, fields: LogFields = {}): void {
    this.write('debug', message, fields);
  }

  info(message: string, fields: LogFields = {}): void {
    this.write('info', message, fields);
  }

  warn(message: string, fields: LogFields = {}): void {
    this.write('warn', message, fields);
  }

  error(message: string, fields: LogFields = {}): void {
    this.write('error', message, fields);
  }

  private write(level: LogLevel, message: string, fields: LogFields): void {
    if (levelOrder[level] < levelOrder[minimumLevel]) return;
    const line = JSON.stringify({
      time: new Date().toISOString(),
      level,
      service: serviceName,
      context: this.context,
      message: redactText(message),
      ...redactFields({ ...this.baseFields, ...fields }),
    });
    (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(`${line}\n`);
  }
}

/** Routes Nest's own framework logs through the same JSON format. */
export class NestJsonLogger implements LoggerService {
  log(message: unknown, context?: unknown): void {
    new JsonLogger(typeof context === 'string' ? context : 'Nest').info(String(message));
  }
  error(message: unknown, trace?: unknown, context?: unknown): void {
    new JsonLogger(typeof context === 'string' ? context : 'Nest').error(String(message), { trace });
  }
  warn(message: unknown, context?: unknown): void {
    new JsonLogger(typeof context === 'string' ? context : 'Nest').warn(String(message));
  }
  debug(message: unknown, context?: unknown): void {
    new JsonLogger(typeof context === 'string' ? context : 'Nest').debug(String(message));
  }
  verbose(message: unknown, context?: unknown): void {
    new JsonLogger(typeof context === 'string' ? context : 'Nest').debug(String(message));
  }
}
