// The bench's process group (native-bench/process-group.ts): once stopAll has begun (the runner interrupted by
// SIGINT or SIGTERM), a scenario still running cannot start another process that nobody would stop. Test-runner
// thread; the one child is /bin/sleep, stopped by its PID.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProcessGroup } from '../../native-bench/process-group.js';

test('after stopAll a process group stops what it started and refuses to start anything else', async () => {
  const group = new ProcessGroup();
  const child = group.spawn({ name: 'sleeper', command: '/bin/sleep', args: ['30'] });
  await group.stopAll(1000);
  assert.notEqual(await child.exited, 0);
  assert.throws(() => group.spawn({ name: 'late', command: '/bin/sleep', args: ['30'] }), /late: not started, the bench is stopping/);
  assert.equal(group.count, 1);
  assert.deepEqual(group.leftovers(), []);
});
