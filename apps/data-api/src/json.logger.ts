// Nest's LoggerService writing one JSON object per line to stdout, so the endpoint's logs read
// like every other QuperSync service's. Messages may be objects; their fields are merged in.
import type { LoggerService } from '@nestjs/common';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const rank: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

export class JsonLogger implements LoggerService {
  constructor(
    private readonly service: string,
    private readonly minimum: LogLevel = 'info',
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.emit('info', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.emit('error', message, rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.emit('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.emit('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.emit('debug', message, rest);
  }

  private emit(level: LogLevel, message: unknown, rest: unknown[]): void {
    if (rank[level] < rank[this.minimum]) return;
    // Nest passes the context as the last extra argument, and an error's stack before it.
    const context =
      rest.length > 0 && typeof rest[rest.length - 1] === 'string' ? rest[rest.length - 1] : undefined;
    const stack = rest.length > 1 && typeof rest[0] === 'string' ? rest[0] : undefined;
    const fields =
      typeof message === 'object' && message !== null && !(message instanceof Error)
        ? message
        : { message: String(message) };
    this.write(
      JSON.stringify({
        time: new Date().toISOString(),
        level,
        service: this.service,
        context,
        ...fields,
        ...(stack === undefined ? {} : { stack }),
      }),
    );
  }
}
