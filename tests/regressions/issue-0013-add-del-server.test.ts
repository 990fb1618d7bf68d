// Issue 13, `add server` / `del server` in a running orcalb, side by side with haproxy 2.6.12 through socat: the same
// command lines get the same answers (refusals included), a server added under traffic takes its share once enabled
// (roundrobin, leastconn, a consistent hash), `del server` frees it after disable and drain, a forwarder restarted
// after an add still routes to it, and an added server with `check` is checked once `enable health` says so.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { connectTagged, requestTag, startBackendFarm } from '../support/backend-farm.js';
import { closedPort } from '../support/check-target.js';
import { socatCommand } from '../support/cli-client.js';
import { rawHttpRequest, startTaggedHttpFarm } from '../support/http-tagged-backends.js';
import { freeTcpPort, startHaproxy } from '../support/haproxy-process.js';
import { startOrcalb } from '../support/orcalb-process.js';

const DEFAULTS = ['defaults', '  mode tcp', '  timeout connect 1s', '  timeout client 5s', '  timeout server 5s'];

/** The `show servers state` rows of one backend without the volatile column (srv_time_since_last_change). */
function stateRows(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => /^\d+ /.test(l))
    .map((l) => {
      const f = l.split(' ');
      f[9] = '-';
      return f.join(' ');
    });
}

test('add server / del server: haproxy 2.6.12\'s answers, refusals and listings, byte for byte', async (t) => {
  const farm = await startBackendFarm(['s1', 'n1']);
  t.after(() => farm.close());
  const [p1, pn] = farm.ports();
  const body = (port: number): string =>
    [
      ...DEFAULTS,
      'frontend fe', `  bind 127.0.0.1:${port}`, '  default_backend rr',
      'backend rr', '  balance roundrobin', '  default-server weight 7', `  server s1 127.0.0.1:${p1}`,
      'backend srr', '  balance static-rr', `  server s1 127.0.0.1:${p1}`,
      'backend src', '  balance source', `  server s1 127.0.0.1:${p1}`,
      'backend srcc', '  balance source', '  hash-type consistent', `  server s1 127.0.0.1:${p1}`,
      '',
    ].join('\n');
  const dir = mkdtempSync(join(tmpdir(), 'orcalb-dynsrv-'));
  const hSock = join(dir, 'haproxy.sock');
  const oSock = join(dir, 'orcalb.sock');
  const haproxy = await startHaproxy(`global\n  stats socket ${hSock} level admin\n${body(await freeTcpPort())}`);
  t.after(() => haproxy.stop());
  const orcalb = await startOrcalb(`global\n  stats socket ${oSock} level admin\n${body(await freeTcpPort())}`, { threads: 2 });
  t.after(() => orcalb.stop());
  const both = async (line: string): Promise<string> => {
    const ours = await socatCommand(oSock, line);
    assert.equal(ours, await socatCommand(hSock, line), line);
    return ours;
  };

  assert.equal(await both(`add server rr/n1 127.0.0.1:${pn} weight 3`), 'New server registered.\n\n');
  for (const line of [
    'add server',
    'add server rr',
    'add server nope/x 127.0.0.1:1',
    'add server rr/x',
    `add server rr/n1 127.0.0.1:${pn}`,
    `add server rr/s1 127.0.0.1:${pn}`,
    'add server srr/x 127.0.0.1:1',
    'add server src/x 127.0.0.1:1',
    'add server rr/x 127.0.0.1:1 wieght 2',
    'add server rr/x 127.0.0.1:1 cookie c1',
    'add server rr/x 127.0.0.1:1 redir http://a',
    'add server rr/x 127.0.0.1:1 no-check',
    'add server rr/x 127.0.0.1:1 init-addr none',
    'add server rr/x 127.0.0.1:1 weight 300',
    'add server rr/x 127.0.0.1:1 inter 0',
    'del server',
    'del server rr',
    'del server nope/x',
    'del server rr/nope',
    'del server rr/s1',
  ]) {
    await both(line);
  }
  // A consistent hash takes dynamic servers; the new one is listed after the others, in maintenance, with its weight
  // (no default-server preset), and every listing agrees.
  await both('add server srcc/d1 127.0.0.1:1 backup');
  assert.deepEqual(stateRows(await socatCommand(oSock, 'show servers state')), stateRows(await socatCommand(hSock, 'show servers state')));
  const statRows = async (sock: string): Promise<string[]> =>
    (await socatCommand(sock, 'show stat'))
      .split('\n')
      .filter((l) => /^(rr|srcc),/.test(l))
      .map((l) => l.split(',').slice(0, 2).concat(l.split(',')[17] ?? '', l.split(',')[18] ?? '').join(','));
  assert.deepEqual(await statRows(oSock), await statRows(hSock));
  assert.equal(await both('get weight rr/n1'), '3 (initial 3)\n\n');

  // del server: only in maintenance; then the name is free again and the listings forget it.
  await both('enable server rr/n1');
  assert.equal(await both('del server rr/n1'), 'Only servers in maintenance mode can be deleted.\n');
  await both('disable server rr/n1');
  assert.equal(await both('del server rr/n1'), 'Server deleted.\n');
  await both('del server rr/n1');
  await both('get weight rr/n1');
  await both('set server rr/n1 state ready');
  assert.deepEqual(await statRows(oSock), await statRows(hSock));
  await both(`add server rr/n1 127.0.0.1:${pn}`);
  assert.deepEqual(stateRows(await socatCommand(oSock, 'show servers state rr')), stateRows(await socatCommand(hSock, 'show servers state rr')));
  // A static server goes the same way.
  await both('disable server rr/s1');
  assert.equal(await both('del server rr/s1'), 'Server deleted.\n');
  assert.deepEqual(await statRows(oSock), await statRows(hSock));
});

/** Requests one after another until stopped (bounded): each one's tag, in order, and any failure. */
function trafficLoop(port: number, max = 5000): { readonly tags: string[]; readonly errors: string[]; stop(): Promise<void> } {
  const tags: string[] = [];
  const errors: string[] = [];
  let stopped = false;
  const done = (async () => {
    for (let i = 0; i < max && !stopped; i++) {
      try {
        tags.push((await requestTag(port, `r${i}`)).tag);
      } catch (e) {
        errors.push(String(e));
      }
    }
  })();
  return {
    tags,
    errors,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

/** Sends `line` until the answer is `want` (a session may still hold the server for a moment), at most 100 times. */
async function until(sock: string, line: string, want: string): Promise<string> {
  let answer = '';
  for (let i = 0; i < 100 && answer !== want; i++) answer = await socatCommand(sock, line);
  return answer;
}

for (const balance of ['roundrobin', 'leastconn', 'random']) {
  test(`${balance}: a server added under traffic takes its share once enabled, none after disable + del`, async (t) => {
    const farm = await startBackendFarm(['s1', 's2', 'n1']);
    t.after(() => farm.close());
    const [p1, p2, pn] = farm.ports();
    const dir = mkdtempSync(join(tmpdir(), 'orcalb-dynsrv-'));
    const sock = join(dir, 'orcalb.sock');
    const port = await freeTcpPort();
    const orcalb = await startOrcalb(
      [
        'global', `  stats socket ${sock} level admin`, ...DEFAULTS,
        'frontend fe', `  bind 127.0.0.1:${port}`, '  default_backend be',
        'backend be', `  balance ${balance}`, `  server s1 127.0.0.1:${p1}`, `  server s2 127.0.0.1:${p2}`, '',
      ].join('\n'),
      { threads: 2 },
    );
    t.after(() => orcalb.stop());
    const load = trafficLoop(port);
    t.after(() => load.stop());
    const cli = (line: string): Promise<string> => socatCommand(sock, line);

    assert.equal(await cli(`add server be/n1 127.0.0.1:${pn}`), 'New server registered.\n\n');
    // In maintenance: the traffic goes on without it.
    const before = load.tags.length;
    await farm.waitFor(() => load.tags.length >= before + 20, 10_000, 'traffic while n1 is in maintenance');
    assert.equal(farm.dataConnections('n1').length, 0);
    assert.equal(await cli('enable server be/n1'), '\n');
    await farm.waitFor(() => farm.dataConnections('n1').length >= 5, 10_000, 'n1 takes traffic once enabled');

    assert.equal(await cli('disable server be/n1'), '\n');
    assert.equal(await until(sock, 'del server be/n1', 'Server deleted.\n'), 'Server deleted.\n');
    const seq = farm.seq();
    const after = load.tags.length;
    await farm.waitFor(() => load.tags.length >= after + 20, 10_000, 'traffic after del server');
    assert.equal(farm.dataConnections('n1', seq).length, 0, 'nothing reaches a deleted server');
    assert.doesNotMatch(await cli('show stat'), /^be,n1,/m);
    await load.stop();
    assert.deepEqual(load.errors, []);
    assert.deepEqual([...new Set(load.tags)].sort(), ['n1', 's1', 's2']);
  });
}

test('a forwarder restarted after add server routes to the added server (main keeps the topology)', async (t) => {
  const farm = await startBackendFarm(['s1', 'n1']);
  t.after(() => farm.close());
  const [p1, pn] = farm.ports();
  const dir = mkdtempSync(join(tmpdir(), 'orcalb-dynsrv-'));
  const sock = join(dir, 'orcalb.sock');
  const port = await freeTcpPort();
  const orcalb = await startOrcalb(
    ['global', `  stats socket ${sock} level admin`, ...DEFAULTS, 'frontend fe', `  bind 127.0.0.1:${port}`, '  default_backend be',
      'backend be', '  balance roundrobin', `  server s1 127.0.0.1:${p1}`, ''].join('\n'),
    { threads: 2, env: { ORCALB_TEST_HOOKS: '1' } },
  );
  t.after(() => orcalb.stop());
  const cli = (line: string): Promise<string> => socatCommand(sock, line);
  assert.equal(await cli(`add server be/n1 127.0.0.1:${pn}`), 'New server registered.\n\n');
  assert.equal(await cli('enable server be/n1'), '\n');
  assert.equal(await cli('disable server be/s1'), '\n');
  orcalb.send('crash-forwarder 0');
  orcalb.send('crash-forwarder 1');
  await orcalb.waitForStderr(/forwarder 0 restarted/, 10_000);
  await orcalb.waitForStderr(/forwarder 1 restarted/, 10_000);
  // Only n1 is usable: every connection through the restarted forwarders must reach it.
  for (let i = 0; i < 10; i++) assert.equal((await requestTag(port, `after${i}`)).tag, 'n1');
  assert.match(await cli('show stat'), /^be,n1,/m);
});

test('an added server with check is checked once enabled and `enable health` (haproxy 2.6.12 starts it with checks off)', async (t) => {
  const farm = await startBackendFarm(['s1', 'n1']);
  t.after(() => farm.close());
  const [p1, pn] = farm.ports();
  const dead = await closedPort();
  const dir = mkdtempSync(join(tmpdir(), 'orcalb-dynsrv-'));
  const hSock = join(dir, 'haproxy.sock');
  const oSock = join(dir, 'orcalb.sock');
  const body = (port: number): string =>
    // s1 is checked: the health thread runs before the adds, so it learns of them by message.
    [...DEFAULTS, 'frontend fe', `  bind 127.0.0.1:${port}`, '  default_backend be', 'backend be', '  balance roundrobin', `  server s1 127.0.0.1:${p1} check inter 30s`, ''].join('\n');
  const haproxy = await startHaproxy(`global\n  stats socket ${hSock} level admin\n${body(await freeTcpPort())}`);
  t.after(() => haproxy.stop());
  const orcalb = await startOrcalb(`global\n  stats socket ${oSock} level admin\n${body(await freeTcpPort())}`, { threads: 1 });
  t.after(() => orcalb.stop());
  /** Status of be/NAME in `show stat`, and its check_status. */
  const status = async (sock: string, name: string): Promise<string> => {
    const row = (await socatCommand(sock, 'show stat')).split('\n').find((l) => l.startsWith(`be,${name},`)) ?? '';
    const f = row.split(',');
    // check_status starts with "* " while a check is in flight at the moment of the read (seen on haproxy's side in
    // CI with inter 100): when a check runs is not what this compares, so the marker is dropped.
    return `${f[17] ?? ''} ${(f[36] ?? '').replace(/^\* /, '')}`;
  };
  for (const sock of [oSock, hSock]) {
    assert.equal(await socatCommand(sock, `add server be/ok 127.0.0.1:${pn} check inter 100`), 'New server registered.\n\n');
    assert.equal(await socatCommand(sock, `add server be/bad 127.0.0.1:${dead} check inter 100 fall 1`), 'New server registered.\n\n');
    await socatCommand(sock, 'enable server be/ok');
    await socatCommand(sock, 'enable server be/bad');
  }
  // Enabled, checks still off: both sides say so alike.
  assert.equal(await status(oSock, 'bad'), await status(hSock, 'bad'));
  const checksBefore = farm.checkConnections('n1').length;
  for (const sock of [oSock, hSock]) {
    await socatCommand(sock, 'enable health be/ok');
    await socatCommand(sock, 'enable health be/bad');
  }
  // Each side probes n1 now (both send checks to the same farm server).
  await farm.waitFor(() => farm.checkConnections('n1').length >= checksBefore + 4, 10_000, 'checks on the added server');
  const settled = async (sock: string): Promise<string> => {
    let s = '';
    for (let i = 0; i < 100 && !s.startsWith('DOWN'); i++) s = await status(sock, 'bad');
    return s;
  };
  assert.equal(await settled(oSock), await settled(hSock));
  assert.equal(await settled(oSock), 'DOWN L4CON');
  assert.equal(await status(oSock, 'ok'), await status(hSock, 'ok'));
  // del server stops its checks: deleted after maint, no further probe of n1 from orcalb's side is asserted here
  // (haproxy's keep coming); the name is free again.
  await socatCommand(oSock, 'disable server be/ok');
  assert.equal(await socatCommand(oSock, 'del server be/ok'), 'Server deleted.\n');
  assert.equal(await socatCommand(oSock, `add server be/ok 127.0.0.1:${pn}`), 'New server registered.\n\n');
});

test('hostile: every spare slot taken, reused after del (counters start at 0), a held session blocks del as in haproxy, odd words', async (t) => {
  const farm = await startBackendFarm(['s1', 'n1']);
  t.after(() => farm.close());
  const [p1, pn] = farm.ports();
  const dir = mkdtempSync(join(tmpdir(), 'orcalb-dynsrv-'));
  const hSock = join(dir, 'haproxy.sock');
  const oSock = join(dir, 'orcalb.sock');
  const body = (port: number): string =>
    [...DEFAULTS, 'frontend fe', `  bind 127.0.0.1:${port}`, '  default_backend be', 'backend be', '  balance leastconn', `  server s1 127.0.0.1:${p1}`, ''].join('\n');
  const hPort = await freeTcpPort();
  const oPort = await freeTcpPort();
  const haproxy = await startHaproxy(`global\n  stats socket ${hSock} level admin\n${body(hPort)}`);
  t.after(() => haproxy.stop());
  const orcalb = await startOrcalb(`global\n  stats socket ${oSock} level admin\n${body(oPort)}`, { threads: 2 });
  t.after(() => orcalb.stop());
  const both = async (line: string): Promise<string> => {
    const ours = await socatCommand(oSock, line);
    assert.equal(ours, await socatCommand(hSock, line), line);
    return ours;
  };
  for (const line of ['add server be/ 127.0.0.1:1', 'add server be/y 127.0.0.1:99999', 'add server be/y 127.0.0.1:1-5', 'del server be/']) await both(line);
  // A 10 kB name and a thousand keywords: an answer, no wedge.
  assert.equal(await socatCommand(oSock, `add server be/${'x'.repeat(10_000)} 127.0.0.1:1`), 'New server registered.\n\n');
  assert.equal(await socatCommand(oSock, `del server be/${'x'.repeat(10_000)}`), 'Server deleted.\n');
  assert.match(await socatCommand(oSock, `add server be/many 127.0.0.1:1${' weight 2'.repeat(1000)}`), /^New server registered\.\n\n$/);
  assert.equal(await socatCommand(oSock, 'del server be/many'), 'Server deleted.\n');

  // The 8 spare slots (the two freed above are taken again last), then orcalb's refusal; a del frees one.
  for (let i = 0; i < 8; i++) {
    const at = i === 0 ? pn : 1;
    assert.equal(await socatCommand(oSock, `add server be/f${i} 127.0.0.1:${at}`), 'New server registered.\n\n', `f${i}`);
  }
  assert.equal(
    await socatCommand(oSock, 'add server be/over 127.0.0.1:1'),
    "orcalb has no free server slot left in backend 'be' (9 reserved at start): delete a server first, or add it to the configuration and reload.\n\n",
  );
  // f0 takes three sessions, is deleted, and n1 takes its slot (the only free one): n1 counts from zero.
  await socatCommand(oSock, 'enable server be/f0');
  await socatCommand(oSock, 'disable server be/s1');
  for (let i = 0; i < 3; i++) assert.equal((await requestTag(oPort, `f0-${i}`)).tag, 'n1');
  await socatCommand(oSock, 'disable server be/f0');
  assert.equal(await until(oSock, 'del server be/f0', 'Server deleted.\n'), 'Server deleted.\n');
  assert.equal(await socatCommand(oSock, `add server be/n1 127.0.0.1:${pn}`), 'New server registered.\n\n');
  await socatCommand(oSock, 'enable server be/n1');
  for (let i = 0; i < 3; i++) assert.equal((await requestTag(oPort, `reuse${i}`)).tag, 'n1');
  const row = (await socatCommand(oSock, 'show stat')).split('\n').find((l) => l.startsWith('be,n1,')) ?? '';
  assert.equal(row.split(',')[7], '3');

  // A session held on the server: del refused with haproxy's text on both; once it ends, deleted.
  assert.equal(await socatCommand(oSock, 'del server be/f1'), 'Server deleted.\n');
  await both(`add server be/held 127.0.0.1:${pn}`);
  await both('enable server be/held');
  await both('disable server be/s1');
  await socatCommand(oSock, 'disable server be/n1');
  const oursHeld = await connectTagged(oPort);
  const theirs = await connectTagged(hPort);
  t.after(() => [oursHeld, theirs].forEach((c) => c.destroy()));
  // Only `held` is usable on either side (it listens where n1 does: the farm tags it n1).
  assert.deepEqual([oursHeld.tag, theirs.tag], ['n1', 'n1']);
  await both('disable server be/held');
  assert.equal(await both('del server be/held'), 'Server still has connections attached to it, cannot remove it.\n');
  oursHeld.destroy();
  theirs.destroy();
  assert.equal(await until(oSock, 'del server be/held', 'Server deleted.\n'), 'Server deleted.\n');
  assert.equal(await until(hSock, 'del server be/held', 'Server deleted.\n'), 'Server deleted.\n');
});

test('hostile: add / enable / disable / del storms under traffic on two threads lose no request and leave the backend whole', async (t) => {
  const farm = await startBackendFarm(['s1', 'n1']);
  t.after(() => farm.close());
  const [p1, pn] = farm.ports();
  const dir = mkdtempSync(join(tmpdir(), 'orcalb-dynsrv-'));
  const sock = join(dir, 'orcalb.sock');
  const port = await freeTcpPort();
  const orcalb = await startOrcalb(
    ['global', `  stats socket ${sock} level admin`, ...DEFAULTS, 'frontend fe', `  bind 127.0.0.1:${port}`, '  default_backend be',
      'backend be', '  balance roundrobin', `  server s1 127.0.0.1:${p1}`, ''].join('\n'),
    { threads: 2 },
  );
  t.after(() => orcalb.stop());
  const load = trafficLoop(port);
  t.after(() => load.stop());
  // One line, many commands (`;`): the storm runs without a socat process per command.
  for (let round = 0; round < 30; round++) {
    const answer = await socatCommand(sock, `add server be/n1 127.0.0.1:${pn}; enable server be/n1; add server be/m${round % 3} 127.0.0.1:${pn}; disable server be/n1`);
    assert.equal(answer, 'New server registered.\n\n\nNew server registered.\n\n\n', `round ${round}`);
    await until(sock, 'del server be/n1', 'Server deleted.\n');
    if (round % 3 === 2) for (let m = 0; m < 3; m++) assert.equal(await socatCommand(sock, `del server be/m${m}`), 'Server deleted.\n');
  }
  await load.stop();
  assert.deepEqual(load.errors, []);
  assert.ok(load.tags.length > 0);
  const rows = (await socatCommand(sock, 'show stat')).split('\n').filter((l) => l.startsWith('be,')).map((l) => l.split(',')[1]);
  assert.deepEqual(rows, ['s1', 'BACKEND']);
  assert.equal((await requestTag(port, 'last')).tag, 's1');
});

test('HTTP, balance uri with hash-type consistent: an added server takes only keys from the others (none move between them), and gives them back after del', async (t) => {
  const farm = await startTaggedHttpFarm(['s1', 's2', 'n1']);
  t.after(() => farm.close());
  const dir = mkdtempSync(join(tmpdir(), 'orcalb-dynsrv-'));
  const sock = join(dir, 'orcalb.sock');
  const port = await freeTcpPort();
  const orcalb = await startOrcalb(
    ['global', `  stats socket ${sock} level admin`, 'defaults', '  mode http', '  timeout connect 1s', '  timeout client 5s', '  timeout server 5s',
      'frontend fe', `  bind 127.0.0.1:${port}`, '  default_backend be', 'backend be', '  balance uri', '  hash-type consistent',
      `  server s1 127.0.0.1:${farm.byName('s1').port}`, `  server s2 127.0.0.1:${farm.byName('s2').port}`, ''].join('\n'),
    { threads: 2 },
  );
  t.after(() => orcalb.stop());
  const uris = Array.from({ length: 60 }, (_, i) => `/k${i}`);
  const placement = async (): Promise<string[]> => {
    const out: string[] = [];
    for (const uri of uris) out.push((await rawHttpRequest(port, `GET ${uri} HTTP/1.1\r\nHost: x`)).values('x-served-by')[0] ?? '?');
    return out;
  };
  const before = await placement();
  assert.equal(await socatCommand(sock, `add server be/n1 127.0.0.1:${farm.byName('n1').port}`), 'New server registered.\n\n');
  assert.deepEqual(await placement(), before, 'a server in maintenance takes no key');
  assert.equal(await socatCommand(sock, 'enable server be/n1'), '\n');
  const during = await placement();
  assert.ok(during.includes('n1'), 'n1 takes some keys');
  during.forEach((srv, i) => assert.ok(srv === 'n1' || srv === before[i], `${uris[i] ?? ''} moved from ${before[i] ?? ''} to ${srv}`));
  await socatCommand(sock, 'disable server be/n1');
  assert.equal(await until(sock, 'del server be/n1', 'Server deleted.\n'), 'Server deleted.\n');
  assert.deepEqual(await placement(), before, 'after del every key is back where it was');
});
