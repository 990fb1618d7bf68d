// The timers of one transaction's LogRecord (manual §8.4) when its request head spans reads: %TR runs from the head's
// first byte, %Ti up to it, and the request date is that byte's; a <BADREQ> of a client that sent nothing begins where
// its idle time did (haproxy 2.6.12: `-1/-1/-1/-1/Ta` with Ta from the accept). Pure; test-runner thread.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogRecord } from '../../core/log/log-record.js';

function accepted(at: number): LogRecord {
  const rec = new LogRecord();
  rec.http = true;
  rec.tAccept = at;
  rec.tIdleFrom = at;
  return rec;
}

test('a head whose first byte came 150 ms before its end: TR 150, Ti up to the first byte, the date of that byte', () => {
  const rec = accepted(1000);
  // First byte at 1200, head whole at 1350 (sweep ms); the epoch date of 1350 is 10_000_350.
  rec.nextTransaction(1200, 1350, 10_000_350);
  rec.tHead = 1350;
  assert.equal(rec.tR, 150);
  assert.equal(rec.ti, 200);
  assert.equal(rec.requestDate, 10_000_200);
});

test('a head in one read: TR 0 (haproxy 2.6.12 logs 0 there too)', () => {
  const rec = accepted(1000);
  rec.nextTransaction(1350, 1350, 10_000_350);
  rec.tHead = 1350;
  assert.equal(rec.tR, 0);
  assert.equal(rec.ti, 350);
});

test('a <BADREQ> with no byte: the request begins at the accept (Ta covers the whole wait), TR -1', () => {
  const rec = accepted(1000);
  rec.nextTransaction(0, 3000, 10_003_000);
  rec.tEnd = 3000;
  assert.equal(rec.tR, -1);
  assert.equal(rec.ti, 0);
  assert.equal(rec.ta, 2000);
  assert.equal(rec.requestDate, 10_001_000);
});

test("a later request of a keep-alive connection: its idle time runs from the previous one's end", () => {
  const rec = accepted(1000);
  rec.nextTransaction(1000, 1000, 10_001_000);
  rec.tEnd = 1100;
  rec.nextTransaction(1500, 1600, 10_001_600);
  rec.tHead = 1600;
  assert.equal(rec.ti, 400);
  assert.equal(rec.tR, 100);
});
