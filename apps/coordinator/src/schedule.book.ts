// When each job's cron schedule is next due, by a clock the caller passes in (the database's). A
// fire time stays due until the caller says it fired: a scheduled trigger that failed (the
// database away, say) is tried again on the next tick with the same fire time, and so the same
// request key, instead of being skipped.
import { CronExpressionParser } from 'cron-parser';

export class ScheduleBook {
  private readonly next = new Map<string, Date>();

  /** The fire time due at `now`, or undefined; the first call only learns the next fire time. */
  dueAt(job: string, schedule: string, now: Date): Date | undefined {
    let due = this.next.get(job);
    if (due === undefined) {
      due = nextFireAfter(schedule, now);
      this.next.set(job, due);
    }
    return due > now ? undefined : due;
  }

  /** The due fire time was triggered: the next one is the schedule's first after `now`. */
  fired(job: string, schedule: string, now: Date): void {
    this.next.set(job, nextFireAfter(schedule, now));
  }
}

function nextFireAfter(schedule: string, after: Date): Date {
  return CronExpressionParser.parse(schedule, { currentDate: after, tz: 'UTC' }).next().toDate();
}
