// The clock as an injectable dependency, so time-based logic (stall detection, schedules,
// backoff) is testable without waiting.
import { Injectable } from '@nestjs/common';

@Injectable()
export class SystemClock {
  now(): Date {
    return new Date();
  }

  nowMs(): number {
    return Date.now();
  }

  sleep(milliseconds: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, milliseconds));
  }
}
