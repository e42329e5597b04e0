import { consecutiveSharedTransactions } from './transformed-batch.consumer';

const item = (name: string, commitPerBatch: boolean, id: number) => ({ id, job: { name, commitPerBatch } });

describe('consecutiveSharedTransactions', () => {
  it('groups consecutive batches of a job with commit_per_batch: false', () => {
    const groups = consecutiveSharedTransactions([
      item('a', false, 1),
      item('a', false, 2),
      item('b', false, 3),
      item('a', false, 4),
    ]);
    expect(groups.map((group) => group.map((entry) => entry.id))).toEqual([[1, 2], [3], [4]]);
  });

  it('keeps every batch of a commit_per_batch: true job in its own transaction', () => {
    const groups = consecutiveSharedTransactions([
      item('a', true, 1),
      item('a', true, 2),
      item('a', true, 3),
    ]);
    expect(groups.map((group) => group.map((entry) => entry.id))).toEqual([[1], [2], [3]]);
  });
});
