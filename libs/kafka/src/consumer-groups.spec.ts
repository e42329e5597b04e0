import { partitionLag } from './consumer-groups';

describe('partitionLag', () => {
  it('counts the records after the committed offset', () => {
    expect(partitionLag('40', '0', '42')).toBe(2);
    expect(partitionLag('42', '0', '42')).toBe(0);
  });

  it('counts every retained record when nothing is committed yet', () => {
    expect(partitionLag('-1', '10', '25')).toBe(15);
  });

  it('never goes below zero (a commit ahead of a truncated log)', () => {
    expect(partitionLag('50', '0', '42')).toBe(0);
  });
});
