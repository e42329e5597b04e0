import { ScheduleBook } from './schedule.book';

const at = (text: string): Date => new Date(`2026-12-02T${text}Z`);

describe('ScheduleBook', () => {
  it('learns the next fire time first, and fires when the clock passes it', () => {
    const book = new ScheduleBook();
    expect(book.dueAt('orders', '*/15 * * * *', at('10:07:00'))).toBeUndefined();
    expect(book.dueAt('orders', '*/15 * * * *', at('10:14:59'))).toBeUndefined();
    expect(book.dueAt('orders', '*/15 * * * *', at('10:15:01'))).toEqual(at('10:15:00'));
  });

  it('keeps a fire time due until it has fired, so a failed trigger is retried with the same time', () => {
    const book = new ScheduleBook();
    book.dueAt('orders', '*/15 * * * *', at('10:07:00'));
    // The trigger at 10:15:01 failed (not marked fired): the next tick gets the same fire time.
    expect(book.dueAt('orders', '*/15 * * * *', at('10:15:01'))).toEqual(at('10:15:00'));
    expect(book.dueAt('orders', '*/15 * * * *', at('10:15:06'))).toEqual(at('10:15:00'));
    book.fired('orders', '*/15 * * * *', at('10:15:06'));
    expect(book.dueAt('orders', '*/15 * * * *', at('10:15:11'))).toBeUndefined();
    expect(book.dueAt('orders', '*/15 * * * *', at('10:30:00'))).toEqual(at('10:30:00'));
  });

  it('keeps each job apart', () => {
    const book = new ScheduleBook();
    book.dueAt('a', '0 * * * *', at('10:00:30'));
    book.dueAt('b', '*/5 * * * *', at('10:00:30'));
    expect(book.dueAt('a', '0 * * * *', at('10:05:00'))).toBeUndefined();
    expect(book.dueAt('b', '*/5 * * * *', at('10:05:00'))).toEqual(at('10:05:00'));
  });
});
