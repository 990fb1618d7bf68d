// Issue 12: the stats thread runs at nice 10 (core/thread-priority.ts), so a storm on a stats port yields to the
// forwarders on a shared CPU; every other thread of orcalb keeps the process's priority. Read from
// /proc/<pid>/task/<tid>/stat (field 19, nice). Test-runner thread; orcalb is a child.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { freeTcpPort } from '../support/haproxy-process.js';
import { httpExchange } from '../support/http-exchange.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { pollUntil } from '../support/wait.js';

/** nice of every thread of `pid`, by thread id. */
function threadNices(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) start at ") ": state is field 3, nice field 19.
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      out.set(Number(tid), Number(fields[16]));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

test('the stats thread runs at nice 10, every other thread at the process priority, and it serves', async (t) => {
  const fe = await freeTcpPort();
  const st = await freeTcpPort();
  const config = [
    'defaults', '  mode http', '  timeout connect 1s', '  timeout client 5s', '  timeout server 5s',
    'frontend fe', `  bind 127.0.0.1:${fe}`, '  default_backend be',
    'backend be', `  server s1 127.0.0.1:${await freeTcpPort()}`,
    'listen stats', `  bind 127.0.0.1:${st}`, '  stats enable', '  stats uri /st', '',
  ].join('\n');
  const lb = await startOrcalb(config, { threads: 2 });
  t.after(() => lb.stop());
  const own = threadNices(process.pid).get(process.pid) ?? 0;
  const lowered = (): number => [...threadNices(lb.pid).values()].filter((v) => v === 10).length;
  await pollUntil(() => lowered() > 0, 10_000, 'a thread at nice 10', 50);
  assert.equal(lowered(), 1, 'exactly one thread (the stats thread) is lowered');
  const others = [...threadNices(lb.pid).values()].filter((v) => v !== 10);
  assert.ok(others.length > 4, `${others.length} other threads`);
  assert.ok(others.every((v) => v === own), `other threads at ${own}: ${others.join(',')}`);
  const page = await httpExchange(st, 'GET', '/st;csv');
  assert.equal(page.status, 200);
  assert.match(page.body, /^# pxname,svname,/);
});
