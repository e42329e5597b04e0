import { keyTupleOf } from './dead-letter.repository';

describe('keyTupleOf', () => {
  it('orders a letter’s key values by the job’s primary key, as text', () => {
    expect(keyTupleOf('{"id":"9007199254740993","region":"eu"}', ['region', 'id'])).toEqual([
      'eu',
      '9007199254740993',
    ]);
    expect(keyTupleOf('{"n":42,"flag":true,"s":""}', ['n', 'flag', 's'])).toEqual(['42', 'true', '']);
  });

  it('finds a key column whatever the case of its name in the letter', () => {
    expect(keyTupleOf('{"OrderId":"7"}', ['orderid'])).toEqual(['7']);
  });

  it('has no tuple for a NULL or missing key value, or a key that is not a JSON object', () => {
    expect(keyTupleOf('{"id":null}', ['id'])).toBeUndefined();
    expect(keyTupleOf('{"other":"1"}', ['id'])).toBeUndefined();
    expect(keyTupleOf('not json', ['id'])).toBeUndefined();
    expect(keyTupleOf('["1"]', ['id'])).toBeUndefined();
    expect(keyTupleOf('{"id":{"nested":1}}', ['id'])).toBeUndefined();
  });
});
