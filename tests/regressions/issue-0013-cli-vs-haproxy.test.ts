// Issue 13, runtime API read commands side by side with haproxy 2.6.12: the same config (three stats sockets: admin
// and user UNIX sockets, an admin TCP one) run by both, driven with socat and a plain client as operators drive them.
// The answers compared: show info keys, show stat header byte for byte and its rows, show servers state (format
// line, header, every column but the age), get weight, help lines, unknown command, the texts for unknown
// backends/servers/tables/proxies, levels (user socket), prompt mode, pipelined lines, `;` and `\` on a line, the
// typed and JSON forms' field names and tags, show table. Test-runner thread; both balancers are child processes.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { closedPort } from '../support/check-target.js';
import { cliCommand, cliExchange, openCliSession, socatCommand, type CliTarget } from '../support/cli-client.js';
import { freeTcpPort, startHaproxy, type HaproxyProcess } from '../support/haproxy-process.js';
import { startHttpBackends, type HttpBackends } from '../support/http-backends.js';
import { rawRequest } from '../support/http-client.js';
import { startOrcalb, type OrcalbProcess } from '../support/orcalb-process.js';
import { pollUntil } from '../support/wait.js';

interface Side {
  readonly name: string;
  readonly admin: string;
  readonly user: string;
  readonly tcp: CliTarget;
  readonly fePort: number;
}

let farm: HttpBackends;
let haproxy: HaproxyProcess;
let orcalb: OrcalbProcess;
let dir: string;
let ha: Side;
let ob: Side;

async function configFor(name: string, ok: number, closed: number): Promise<{ side: Side; text: string }> {
  const admin = join(dir, `${name}-admin.sock`);
  const user = join(dir, `${name}-user.sock`);
  const [tcp, fePort] = [await freeTcpPort(), await freeTcpPort()];
  const text = [
    'global',
    `  stats socket ${admin} mode 600 level admin`,
    `  stats socket ${user} level user`,
    `  stats socket ipv4@127.0.0.1:${tcp} level admin`,
    '  stats timeout 5s',
    'defaults', '  mode http', '  timeout connect 1s', '  timeout client 5s', '  timeout server 5s',
    'frontend fe', `  bind 127.0.0.1:${fePort}`,
    '  stick-table type ip size 100 expire 30s store conn_cnt,http_req_rate(10s)', '  http-request track-sc0 src',
    '  default_backend be',
    'backend be',
    `  server s1 127.0.0.1:${ok} weight 5`,
    // downinter: the DOWN server is not checked again during the test (its figures stay put).
    `  server s2 127.0.0.1:${closed} check inter 1s downinter 60s`,
    `  server s3 127.0.0.1:${ok} check inter 1s`,
    'backend be2', `  server t1 127.0.0.1:${ok}`,
    'backend st_only', '  stick-table type string len 32 size 10',
  ].join('\n') + '\n';
  return { side: { name, admin, user, tcp: { port: tcp }, fePort }, text };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orcalb-cli-'));
  farm = await startHttpBackends(['ok']);
  const [ok] = farm.ports() as [number];
  const closed = await closedPort();
  const h = await configFor('haproxy', ok, closed);
  const o = await configFor('orcalb', ok, closed);
  ha = h.side;
  ob = o.side;
  haproxy = await startHaproxy(h.text, { readyPort: ha.fePort });
  orcalb = await startOrcalb(o.text, { threads: 2 });
  // Settled: s2 DOWN and s3 UP on both sides (their first check verdicts), one request through each frontend.
  for (const side of [ha, ob]) {
    await pollUntil(
      async () => {
        const rows = stateRows(await cliCommand(side.admin, 'show servers state be'));
        return rows[1]?.[5] === '0' && rows[2]?.[5] === '2' && rows[2]?.[12] === '4';
      },
      10_000,
      `${side.name}: s2 DOWN and s3 UP`,
    );
    await rawRequest(side.fePort, 'GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
  }
});

after(async () => {
  await Promise.all([haproxy?.stop(), orcalb?.stop(), farm?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/** Both answers to the same line on the same kind of socket. */
async function both(line: string, socket: 'admin' | 'user' = 'admin'): Promise<[string, string]> {
  return Promise.all([cliCommand(ha[socket], line), cliCommand(ob[socket], line)]);
}

function stateRows(text: string): string[][] {
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('#') && l !== '1').map((l) => l.split(' '));
}

test('show info (through socat): the same keys in the same order, then the empty line', async () => {
  const [h, o] = await Promise.all([socatCommand(ha.admin, 'show info'), socatCommand(ob.admin, 'show info')]);
  const keys = (t: string): string[] => t.split('\n').filter((l) => l !== '').map((l) => l.slice(0, l.indexOf(':')));
  assert.deepEqual(keys(o), keys(h));
  assert.ok(o.endsWith('\n\n') && h.endsWith('\n\n'));
  assert.match(o, /^Nbthread: 2$/m);
  // The stats sockets count as listeners (3 here, and the frontend's bind).
  const value = (t: string, k: string): string | undefined => new RegExp(`^${k}: (.*)$`, 'm').exec(t)?.[1];
  assert.equal(value(o, 'Listeners'), value(h, 'Listeners'));
  assert.equal(value(o, 'Listeners'), '4');
});

test('show stat: the header byte for byte, the same rows, the same statuses', async () => {
  const [h, o] = await Promise.all([socatCommand(ha.admin, 'show stat'), socatCommand(ob.admin, 'show stat')]);
  const header = (t: string): string => t.slice(0, t.indexOf('\n') + 1);
  assert.equal(header(o), header(h));
  const rows = (t: string): string[] => t.split('\n').slice(1).filter((l) => l !== '').map((l) => l.split(',').slice(0, 2).join('/'));
  assert.deepEqual(rows(o), rows(h));
  const status = (t: string): string[] => t.split('\n').slice(1).filter((l) => l !== '').map((l) => l.split(',')[17] ?? '');
  assert.deepEqual(status(o), status(h));
  // The filters: servers of be only; a proxy that does not exist.
  const [hf, of] = await both('show stat be 4 -1');
  assert.deepEqual(rows(of), rows(hf));
  const [hn, on] = await both('show stat nope 4 -1');
  assert.equal(on, hn);
  const [hb, obe] = await both('show stat be');
  assert.deepEqual(rows(obe), rows(hb), 'one filter word alone is no filter');
});

test('show servers state: version line, header byte for byte, every column but the age', async () => {
  for (const line of ['show servers state', 'show servers state be']) {
    const [h, o] = await both(line);
    const lines = (t: string): string[] => t.split('\n');
    assert.equal(lines(o)[0], '1');
    assert.equal(lines(o)[1], lines(h)[1]);
    const strip = (t: string): string[][] => stateRows(t).map((r) => r.filter((_, i) => i !== 9));
    assert.deepEqual(strip(o), strip(h), line);
    assert.ok(o.endsWith('\n\n'));
  }
  const [h, o] = await both('show servers state nope');
  assert.equal(o, h);
  assert.equal(o, "Can't find backend.\n\n");
});

test('show servers conn: the header and the server columns', async () => {
  const [h, o] = await both('show servers conn be');
  assert.equal(o.split('\n')[0], h.split('\n')[0]);
  const cols = (t: string): string[] => t.split('\n').slice(1).filter((l) => l !== '').map((l) => l.split(' ').slice(0, 6).join(' '));
  assert.deepEqual(cols(o), cols(h));
  assert.deepEqual(await Promise.all([cliCommand(ha.admin, 'show servers conn nope'), cliCommand(ob.admin, 'show servers conn nope')]).then(([a, b]) => b === a), true);
});

test('get weight and the texts for what does not exist', async () => {
  for (const line of [
    'get weight be/s1', 'get weight be/s3', 'get weight be/nope', 'get weight nope/s1', 'get weight be', 'get weight',
    'show table nope', 'show backend', 'show table',
  ]) {
    const [h, o] = await both(line);
    assert.equal(o, h, line);
  }
});

test('help: the same frame, each of orcalb\'s lines is haproxy\'s (but its own show threads / show dolphindb / set dolphindb)', async () => {
  const [h, o] = await Promise.all([socatCommand(ha.admin, 'help'), socatCommand(ob.admin, 'help')]);
  const lines = (t: string): string[] => t.split('\n');
  assert.equal(lines(o)[0], lines(h)[0]);
  const theirs = new Set(lines(h));
  const ours = lines(o).filter((l) => !/^ {2}(show (threads|dolphindb)|set dolphindb)/.test(l));
  assert.deepEqual(ours.filter((l) => !theirs.has(l)), []);
  assert.deepEqual(lines(o).slice(-5), lines(h).slice(-5), 'help, prompt, quit last, then the empty line');
  assert.ok(lines(o).length > 12);
});

test('unknown command: haproxy\'s first line and its last lines, for a word and for an empty line', async () => {
  for (const line of ['foo', 'show', '']) {
    const [h, o] = await both(line);
    assert.equal(o.split('\n')[0], h.split('\n')[0], JSON.stringify(line));
    assert.deepEqual(o.split('\n').slice(-5), h.split('\n').slice(-5), JSON.stringify(line));
  }
});

test('levels: a user socket shows but gets Permission denied for operator and admin commands', async () => {
  for (const line of ['show errors', 'experimental-mode on', 'show cli level', 'get weight be/s1', 'show backend']) {
    const [h, o] = await both(line, 'user');
    assert.equal(o, h, line);
  }
  assert.equal(await cliCommand(ob.user, 'show errors'), 'Permission denied\n\n');
  const [h, o] = await both('show cli level');
  assert.equal(o, h);
  assert.equal(o, 'admin\n\n');
});

test('the TCP stats socket answers as the UNIX one', async () => {
  const [h, o] = await Promise.all([cliCommand(ha.tcp, 'get weight be/s1; show backend'), cliCommand(ob.tcp, 'get weight be/s1; show backend')]);
  assert.equal(o, h);
});

test('one line, several commands: `;` separates them, `\\` makes the next character plain, CRLF is a line end', async () => {
  for (const input of ['get weight be/s1;get weight be/s3\n', 'get weight be\\/s1 ; get weight be/s3\\;x\n', 'show backend\r\n']) {
    const [h, o] = await Promise.all([cliExchange(ha.admin, input), cliExchange(ob.admin, input)]);
    assert.equal(o, h, JSON.stringify(input));
  }
});

test('without prompt: lines already sent are all answered, then the connection closes; quit says nothing', async () => {
  for (const input of ['get weight be/s1\nshow backend\n', 'quit\nshow backend\n', 'quit;show backend\n', 'show backend']) {
    const [h, o] = await Promise.all([cliExchange(ha.admin, input), cliExchange(ob.admin, input)]);
    assert.equal(o, h, JSON.stringify(input));
  }
});

test('prompt: interactive answers end with "> ", the connection stays open until quit', async () => {
  const [hs, os] = await Promise.all([openCliSession(ha.admin), openCliSession(ob.admin)]);
  for (const line of ['show backend', 'get weight be/s1', 'get weight be/s1; show backend', 'show servers state nope']) {
    const [h, o] = await Promise.all([hs.ask(line), os.ask(line)]);
    assert.equal(o, h, line);
  }
  hs.write('quit\n');
  os.write('quit\n');
  await Promise.all([hs.closed, os.closed]);
});

test('typed and JSON forms: every field orcalb prints has haproxy\'s position, name, tags and type', async () => {
  const key = (l: string): string => l.split(':').slice(0, 3).join(':');
  for (const line of ['show info typed', 'show stat typed']) {
    const [h, o] = await both(line);
    const theirs = new Set(h.split('\n').filter((l) => l !== '').map(key));
    const ours = o.split('\n').filter((l) => l !== '').map(key);
    assert.ok(ours.length > 20, line);
    assert.deepEqual(ours.filter((k) => !theirs.has(k)), [], line);
  }
  const [hj, oj] = await both('show info json');
  interface Cell { field: { pos: number; name: string }; tags: unknown; value: { type: string } }
  const cells = (t: string): string[] => (JSON.parse(t) as Cell[]).map((c) => JSON.stringify([c.field, c.tags, c.value.type]));
  const theirs = new Set(cells(hj));
  assert.deepEqual(cells(oj).filter((c) => !theirs.has(c)), []);
  const [hs, os] = await both('show stat json');
  assert.equal((JSON.parse(os) as unknown[]).length, (JSON.parse(hs) as unknown[]).length);
});

test('show table: the table lines, an entry\'s key and data names, the data filters and their errors', async () => {
  const [h, o] = await both('show table fe');
  const shape = (t: string): string[] =>
    t.split('\n').map((l) => l.replace(/^0x[0-9a-f]+: /, 'ID: ').replace(/exp=\d+/, 'exp=N').replace(/=\d+/g, '=N'));
  assert.deepEqual(shape(o), shape(h));
  assert.match(o, /key=127\.0\.0\.1 use=0 exp=\d+ conn_cnt=1 http_req_rate\(10000\)=1/);
  for (const line of ['show table fe data.conn_cnt gt 5', 'show table fe data.nope gt 0', 'show table fe data.conn_cnt xx 0']) {
    const [hf, of] = await both(line);
    assert.equal(of, hf, line);
  }
  const [hk, ok] = await both('show table fe key 127.0.0.1');
  assert.deepEqual(shape(ok), shape(hk));
});
