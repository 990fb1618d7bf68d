// Units: HAProxy time values (manual §2.5), byte sizes, strict integers.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseInteger, parseSize, parseTime } from '../../config/units.js';

describe('parseTime', () => {
  test('every unit of §2.5, and bare numbers in milliseconds', () => {
    const cases: [string, number][] = [
      ['1500', 1500], ['250ms', 250], ['5s', 5000], ['1m', 60_000], ['1h', 3_600_000], ['2d', 172_800_000],
      ['3000us', 3], ['0', 0],
    ];
    for (const [text, ms] of cases) assert.deepEqual(parseTime(text), { kind: 'ok', ms }, text);
  });

  test('microseconds round up so a small value never reads as 0 (infinite)', () => {
    assert.deepEqual(parseTime('500us'), { kind: 'ok', ms: 1 });
    assert.deepEqual(parseTime('1001us'), { kind: 'ok', ms: 2 });
  });

  test('reports the first unexpected character', () => {
    assert.deepEqual(parseTime('5x'), { kind: 'bad-char', char: 'x' });
    assert.deepEqual(parseTime('10S'), { kind: 'bad-char', char: 'S' });
    assert.deepEqual(parseTime('1.5s'), { kind: 'bad-char', char: '.' });
    assert.deepEqual(parseTime('-1'), { kind: 'bad-char', char: '-' });
    assert.deepEqual(parseTime('abc'), { kind: 'bad-char', char: 'a' });
  });

  test('characters after a valid unit are accepted but flagged (HAProxy 2.6 warns)', () => {
    assert.deepEqual(parseTime('5sec'), { kind: 'ok', ms: 5000, trailing: 'ec' });
  });

  test('empty text and values past 2^31-1 ms', () => {
    assert.deepEqual(parseTime(''), { kind: 'empty' });
    assert.deepEqual(parseTime('30d'), { kind: 'overflow' });
    assert.deepEqual(parseTime('24d'), { kind: 'ok', ms: 2_073_600_000 });
  });
});

describe('parseSize', () => {
  test('bytes with optional k/m/g suffixes in either case', () => {
    assert.equal(parseSize('16384'), 16384);
    assert.equal(parseSize('32k'), 32768);
    assert.equal(parseSize('1M'), 1_048_576);
    assert.equal(parseSize('1g'), 1_073_741_824);
  });

  test('rejects other forms', () => {
    for (const bad of ['', 'k', '1.5k', '12kb', '-1', '4g']) assert.equal(parseSize(bad), undefined, bad);
  });
});

describe('parseInteger', () => {
  test('accepts plain decimal, rejects what atol() would silently read as 0', () => {
    assert.equal(parseInteger('3000'), 3000);
    assert.equal(parseInteger('abc'), undefined);
    assert.equal(parseInteger('12x'), undefined);
    assert.equal(parseInteger('-1'), undefined);
    assert.equal(parseInteger('-1', true), -1);
  });
});
