// Regression (issue 10, idle RSS of the whole process ≤ 60 MiB): a start touched ~50 MiB of node's own binary (code
// run once: module loading, V8's compilers, the config parse) and those clean file pages stayed counted in the RSS,
// more than half of the idle process's 97 MiB. Once quiet, orcalb now unmaps them (native/resident-trim.c through
// core/io/idle-compaction.ts): they stay in the page cache and come back on use. Tests: the addon call on this very
// process, then a whole orcalb whose file-backed RSS goes down after start while it keeps proxying, before and after
// a burst. Test-runner thread; orcalb runs as a child process.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadNativeAddon } from '../../core/native-addon.js';
import { statusBytes } from '../../native-bench/process-figures.js';
import { requestTag, startBackendFarm } from '../support/backend-farm.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { tcpConfig } from '../support/tcp-config.js';
import { pollUntil } from '../support/wait.js';

const MIB = 1 << 20;
/** File-backed RSS an idle orcalb keeps (measured 15-16 MiB: what its idle timers and loops still run, and libc). */
const IDLE_FILE_RSS_MAX = 30 * MIB;

const fileRss = (pid: number | 'self'): number => statusBytes(readFileSync(`/proc/${pid}/status`, 'utf8'), 'RssFile');

test('dropFilePages unmaps the clean pages of read-only file mappings, and the process runs on', () => {
  const addon = loadNativeAddon();
  assert.ok(addon?.dropFilePages !== undefined && addon.mallocTrim !== undefined, 'the addon is built with resident-trim.c');
  const before = fileRss('self');
  const advised = addon.dropFilePages();
  const after = fileRss('self');
  assert.ok(advised > 50 * MIB, `advised ${advised} bytes: node's text and read-only data at least`);
  assert.ok(after < before / 2, `file-backed RSS ${before} → ${after} bytes`);
  // Code, read-only data and relocated tables are all still right: compile, run, call into libc and V8 again.
  const fn = new Function('n', 'let s = 0; for (let i = 0; i < n; i++) s += Math.sqrt(i); return JSON.stringify({ s: Math.round(s) });');
  assert.equal(fn(1000), '{"s":21066}');
  assert.equal(typeof addon.mallocTrim(), 'boolean');
  assert.equal(new Intl.NumberFormat('de-DE').format(1234.5), '1.234,5');
});

test('an idle orcalb keeps little of its binary resident, and proxies on after start and after a burst', async (t) => {
  const farm = await startBackendFarm(['s1', 's2']);
  t.after(() => farm.close());
  const port = await freeTcpPort();
  const lb = await startOrcalb(tcpConfig(port, farm.ports()), { threads: 1 });
  t.after(() => lb.stop());
  // Every thread trims once quiet after its start (the last one trims for all).
  await pollUntil(() => fileRss(lb.pid) < IDLE_FILE_RSS_MAX, 15_000, `file-backed RSS under ${IDLE_FILE_RSS_MAX} bytes`, 100);
  for (let i = 0; i < 20; i++) assert.match((await requestTag(port, `m${i}`)).tag, /^s[12]$/);
  // A burst of 400 short connections (code paths the start never ran fault back in), then quiet: all served.
  for (let wave = 0; wave < 8; wave++) {
    const tags = await Promise.all(Array.from({ length: 50 }, (_, i) => requestTag(port, `w${wave}-${i}`)));
    for (const r of tags) assert.match(r.tag, /^s[12]$/);
  }
  await pollUntil(() => fileRss(lb.pid) < IDLE_FILE_RSS_MAX, 15_000, 'file-backed RSS under the bound once quiet again', 100);
  assert.match((await requestTag(port, 'last')).tag, /^s[12]$/);
});
