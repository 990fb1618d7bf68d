// Issue 12: what the stats page says about HTTP-checked servers and `stats show-legends`, side by side with haproxy
// 2.6.12: check_status/check_code/check_desc of a passing and a failing `option httpchk` server, their status once
// `fall` checks failed, and the legend cells (server addr, backend algo). Test-runner thread.

import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test, before, after } from 'node:test';
import { freeTcpPort, startHaproxy } from '../support/haproxy-process.js';
import { statRow } from '../support/haproxy-stats.js';
import { startHttpBackends, type HttpBackends } from '../support/http-backends.js';
import { rawRequest } from '../support/http-client.js';
import { httpExchange } from '../support/http-exchange.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { pollUntil } from '../support/wait.js';

const COLS = ['status', 'check_status', 'check_code', 'check_desc', 'addr', 'algo', 'check_rise', 'check_fall', 'check_health', 'weight', 'act', 'bck'];

function config(fe: number, st: number, ports: readonly number[]): string {
  return [
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 10s',
    '  timeout server 10s',
    'frontend web',
    `  bind 127.0.0.1:${fe}`,
    '  default_backend app',
    'backend app',
    '  balance leastconn',
    '  option httpchk GET /health',
    `  server ok 127.0.0.1:${ports[0] ?? 0} check inter 200ms rise 2 fall 2`,
    `  server sick 127.0.0.1:${ports[1] ?? 0} check inter 200ms rise 2 fall 2`,
    `  server spare 127.0.0.1:${ports[0] ?? 0} backup`,
    'listen stats',
    `  bind 127.0.0.1:${st}`,
    '  stats uri /',
    '  stats show-legends',
    '',
  ].join('\n');
}

describe('issue 12: HTTP check cells and show-legends, haproxy 2.6.12 and orcalb', () => {
  const seen: Partial<Record<'haproxy' | 'orcalb', Record<string, string>[]>> = {};
  let backends: HttpBackends | undefined;
  before(async () => {
    backends = await startHttpBackends(['ok', 'sick'], (name, req, res) => {
      req.resume();
      res.writeHead(name === 'sick' ? 503 : 200, { 'content-length': 0 });
      res.end();
    });
    const ports = backends.ports();
    for (const kind of ['haproxy', 'orcalb'] as const) {
      const fe = await freeTcpPort();
      const st = await freeTcpPort();
      const text = config(fe, st, ports);
      const lb = kind === 'haproxy' ? await startHaproxy(text, { readyPort: st }) : await startOrcalb(text, { threads: 2 });
      try {
        const csv = async (): Promise<string> => (await httpExchange(st, 'GET', '/;csv')).body;
        // A row read while its check runs shows `* L7OK` and code 0 on haproxy (CI saw it under load): read until
        // both rows are settled and no check is in progress in the same answer.
        let text2 = '';
        const settled = async (): Promise<boolean> => {
          text2 = await csv();
          const [ok, sick] = [statRow(text2, 'app', 'ok'), statRow(text2, 'app', 'sick')];
          return sick['status'] === 'DOWN' && ok['status'] === 'UP' && ![ok, sick].some((r) => (r['check_status'] ?? '').startsWith('* '));
        };
        await pollUntil(settled, 10_000, `${kind}: ok UP, sick DOWN, no check in progress`, 50);
        seen[kind] = ['ok', 'sick', 'spare', 'BACKEND'].map((sv) => {
          const r = statRow(text2, 'app', sv);
          return Object.fromEntries([['sv', sv], ...COLS.map((c) => [c, r[c] ?? ''])]) as Record<string, string>;
        });
      } finally {
        await lb.stop();
      }
    }
  });
  after(() => backends?.close());

  test('L7OK 200 and L7STS 503 with their descriptions, DOWN after fall; addr, algo, no check', () => {
    assert.deepEqual(seen.orcalb, seen.haproxy);
    assert.equal(seen.orcalb?.[1]?.['check_code'], '503');
  });
});

describe('issue 12: denials and invalid requests in the counters, haproxy 2.6.12 and orcalb', () => {
  const seen: Partial<Record<'haproxy' | 'orcalb', Record<string, string>[]>> = {};
  let backends: HttpBackends | undefined;
  before(async () => {
    backends = await startHttpBackends(['s1']);
    const port = backends.ports()[0] ?? 0;
    for (const kind of ['haproxy', 'orcalb'] as const) {
      const fe = await freeTcpPort();
      const st = await freeTcpPort();
      const text = [
        'defaults',
        '  mode http',
        '  timeout connect 2s',
        '  timeout client 10s',
        '  timeout server 10s',
        'frontend web',
        `  bind 127.0.0.1:${fe}`,
        '  tcp-request connection reject if { src 127.0.0.2 }',
        '  http-request deny if { path /fe-deny }',
        '  default_backend app',
        'backend app',
        '  http-request deny deny_status 403 if { path /be-deny }',
        `  server s1 127.0.0.1:${port}`,
        'listen stats',
        `  bind 127.0.0.1:${st}`,
        '  stats uri /',
        '',
      ].join('\n');
      const lb = kind === 'haproxy' ? await startHaproxy(text, { readyPort: st }) : await startOrcalb(text, { threads: 2 });
      try {
        for (const path of ['/ok', '/fe-deny', '/be-deny', '/ok']) await httpExchange(fe, 'GET', path);
        await rawRequest(fe, 'GARBAGE\r\n\r\n').catch(() => undefined);
        // A client from 127.0.0.2 is refused by the connection rule (reset or closed, either way no answer).
        await new Promise<void>((resolve) => {
          const s = net.connect({ port: fe, host: '127.0.0.1', localAddress: '127.0.0.2' });
          s.on('error', () => resolve());
          s.on('close', () => resolve());
        });
        const csv = (await httpExchange(st, 'GET', '/;csv')).body;
        const cols = ['dreq', 'dcon', 'dses', 'ereq', 'req_tot', 'hrsp_2xx', 'hrsp_4xx', 'bin', 'bout', 'stot'];
        seen[kind] = [['web', 'FRONTEND'], ['app', 'BACKEND'], ['app', 's1']].map(([px, sv]) => {
          const r = statRow(csv, px ?? '', sv ?? '');
          return Object.fromEntries([['row', `${px}/${sv}`], ...cols.map((c) => [c, r[c] ?? ''])]) as Record<string, string>;
        });
      } finally {
        await lb.stop();
      }
    }
  });
  after(() => backends?.close());

  test('dreq on the frontend (and the backend for its own rule), dcon, ereq, req_tot, hrsp and bytes agree', () => {
    const strip = (rows: Record<string, string>[] | undefined): Record<string, string>[] | undefined =>
      // A server row's dreq/dcon/dses/ereq are empty in both; the cells compared are the ones both fill.
      rows?.map((r) => (r['row'] === 'app/s1' ? { ...r, dreq: '', dcon: '', dses: '', ereq: '' } : r));
    assert.deepEqual(strip(seen.orcalb), strip(seen.haproxy));
    assert.equal(seen.orcalb?.[0]?.['dreq'], '2');
  });
});
