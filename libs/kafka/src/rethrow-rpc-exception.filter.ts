// Nest's default RPC exception handling turns any thrown error into a plain
// { status, message } object, which would hide the error's code and class from the transport.
// This filter hands the original error back, so the transport can tell a permanent error
// (dead-letter and move on) from a transient one (retry, keep the offset).
import { ArgumentsHost, Catch, RpcExceptionFilter } from '@nestjs/common';
import { Observable, throwError } from 'rxjs';

@Catch()
export class RethrowRpcExceptionFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}
