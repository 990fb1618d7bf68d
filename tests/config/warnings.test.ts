// Warnings: keywords HAProxy 2.6 knows that orcalb does not implement yet and can safely run without, HAProxy's own
// end-of-parse warnings, and the deprecated pre-2.1 timeouts. A warning never refuses the configuration (the
// keywords orcalb refuses to run without are in fail-closed.test.ts).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TIMEOUTS, backendNamed, frontendNamed, load, oneWarning, rendered, validConfig } from '../support/config-load.js';

describe('known but not implemented', () => {
  test('each harmless keyword is a warning naming it and its line, and the config stays valid', async () => {
    const r = await load(
      [
        'frontend f',
        '  bind :8080',
        '  declare capture request len 32',
        '  option http-ignore-probes',
        '  http-request capture req.hdr(host) len 10',
        '  errorfiles site-errors',
        '  default_backend b',
        'backend b',
        '  cookie SRV insert maxidle 30m',
        '  http-check disable-on-404',
        '  http-check send-state',
        '  http-response set-log-level err',
        '  server s 127.0.0.1:80 check agent-check',
        TIMEOUTS,
      ].join('\n'),
    );
    validConfig(r);
    for (const [line, keyword] of [
      [3, "'declare capture'"],
      [4, "'option http-ignore-probes'"],
      [5, "'http-request capture'"],
      [6, "'errorfiles'"],
      [9, "'cookie maxidle'"],
      [10, "'http-check disable-on-404'"],
      [11, "'http-check send-state'"],
      [12, "'http-response set-log-level'"],
    ] as const) {
      assert.match(oneWarning(r, `[t.cfg:${line}] : ${keyword} is not implemented yet by orcalb`), /not implemented yet/);
    }
    assert.match(oneWarning(r, "'agent-check'"), /\[t\.cfg:13\]/);
  });

  test('a stats-only listen is served: its stats lines are read into its StatsConfig without a warning (issue 12)', async () => {
    const r = await load(
      ['listen stats', '  mode http', '  bind 127.0.0.1:1080', '  stats enable', '  stats uri /x', '  stats auth a:b', '  stats auth c', '  stats realm My Realm', '  stats refresh 5s', '  stats admin if TRUE', TIMEOUTS].join('\n'),
    );
    const c = validConfig(r);
    const fe = frontendNamed(c, 'stats');
    assert.equal(fe.statsOnly, true);
    assert.equal(fe.stats?.uri, '/x');
    assert.deepEqual(fe.stats?.users, [{ user: 'a', password: 'b' }, { user: 'c', password: '' }]);
    assert.equal(fe.stats?.realm, 'My Realm');
    assert.equal(fe.stats?.refreshMs, 5000);
    assert.equal(fe.stats?.admin.length, 1);
    assert.deepEqual(rendered(r).warnings, []);
  });

  test('stats in a tcp-mode proxy is ignored with 2.6\'s warning; in a forwarding proxy it is refused (fail closed)', async () => {
    const tcp = await load(['listen st', '  mode tcp', '  bind 127.0.0.1:1080', '  stats enable', TIMEOUTS].join('\n'));
    validConfig(tcp);
    oneWarning(tcp, "[t.cfg:4] : 'stats' statement ignored for proxy 'st' as it requires HTTP mode.");
    const mixed = await load(['defaults', '  mode http', '  stats uri /s', TIMEOUTS, 'frontend f', '  bind :80', '  default_backend b', 'backend b', '  server s 127.0.0.1:80'].join('\n'));
    assert.match(rendered(mixed).errors.join('\n'), /orcalb does not implement 'stats' yet/);
  });

  test('mode http is implemented: no warning names it', async () => {
    const r = await load(
      ['defaults', '  mode http', TIMEOUTS, 'frontend web', '  bind :80', '  default_backend app', 'backend app', '  server s 127.0.0.1:80'].join('\n'),
    );
    const c = validConfig(r);
    assert.deepEqual(rendered(r).warnings, []);
    assert.equal(backendNamed(c, 'app').mode, 'http');
    assert.equal(frontendNamed(c, 'web').mode, 'http');
  });

  test('option tcplog, httplog, logasap, log-health-checks and capture lines are implemented (no warning) (issue 13)', async () => {
    const r = await load(`defaults\n  option tcplog\n${TIMEOUTS}\nbackend b`);
    const c = validConfig(r);
    assert.deepEqual(rendered(r).warnings, []);
    assert.equal(backendNamed(c, 'b').options.tcplog, true);
    const h = await load(
      `defaults\n  mode http\n  option httplog\n  option logasap\n  option log-health-checks\n${TIMEOUTS}\nfrontend f\n  bind :80\n  capture request header Host len 8`,
    );
    validConfig(h);
    assert.deepEqual(rendered(h).warnings, []);
  });

  test("option httplog in a tcp frontend: haproxy 2.6.12's fallback warning at the option's line, and tcplog lines", async () => {
    const r = await load(`defaults\n  mode tcp\n  option httplog\n${TIMEOUTS}\nfrontend f\n  bind :80\n  default_backend b\nbackend b\n  server s 127.0.0.1:80`);
    const c = validConfig(r);
    oneWarning(r, "[t.cfg:3] : 'option httplog' not usable with frontend 'f' (needs 'mode http'). Falling back to 'option tcplog'.");
    assert.equal(frontendNamed(c, 'f').logLine?.kind, 'tcplog');
  });

  test('stats socket opens the runtime API (no warning); stats bind-process and other global keywords warn', async () => {
    const r = await load('global\n  stats socket /run/haproxy.sock mode 660 level admin\n  maxpipes 10\n  stats bind-process 1');
    const c = validConfig(r);
    assert.deepEqual(rendered(r).warnings.filter((w) => w.includes('stats socket')), []);
    assert.deepEqual(c.global.statsSockets.map((s) => [s.unix?.path, s.unix?.mode, s.level]), [['/run/haproxy.sock', 0o660, 'admin']]);
    oneWarning(r, "[t.cfg:3] : 'maxpipes' is not implemented yet");
    oneWarning(r, "[t.cfg:4] : 'stats bind-process' is not implemented yet");
  });

  test('other HAProxy sections are skipped with one warning', async () => {
    // userlist sections are parsed since issue 11 (config/sections/userlist.ts): no warning for them.
    // resolvers sections too, since issue 16 (config/sections/resolvers.ts).
    const r = await load('userlist admins\n  user admin insecure-password x\nresolvers dns\n  nameserver a 127.0.0.1:53\nmailers m\n  mailer smtp1 127.0.0.1:25');
    const c = validConfig(r);
    assert.deepEqual(rendered(r).warnings.filter((w) => w.includes('userlist') || w.includes('resolvers')), []);
    assert.deepEqual(c.userlists?.map((u) => [u.name, u.users.map((x) => x.name)]), [['admins', ['admin']]]);
    assert.deepEqual(c.resolvers?.map((x) => x.name), ['dns']);
    oneWarning(r, "[t.cfg:5] : the 'mailers' section");
  });

  test('balance hash and rdp-cookie fall back to roundrobin with a warning', async () => {
    const r = await load(`backend b\n  balance hash req.cookie(id)\n${TIMEOUTS}`);
    const c = validConfig(r);
    oneWarning(r, "[t.cfg:2] : 'balance hash' is not implemented yet by orcalb; the backend balances with 'roundrobin' instead");
    assert.equal(backendNamed(c, 'b').balance.algorithm, 'roundrobin');
  });
});

describe("HAProxy's own warnings", () => {
  test('a request-hashing algorithm in a TCP backend falls back to roundrobin, as in HAProxy', async () => {
    const r = await load(`backend b\n  balance uri whole\n${TIMEOUTS}`);
    const c = validConfig(r);
    oneWarning(r, "[t.cfg:2] : Layer 7 hash not possible for backend 'b' (needs 'mode http'). Falling back to round robin.");
    assert.deepEqual([backendNamed(c, 'b').balance.algorithm, backendNamed(c, 'b').balance.args], ['roundrobin', { kind: 'none' }]);
  });

  test('keywords for the other side of a proxy are ignored, as in HAProxy', async () => {
    const r = await load(
      ['frontend f', '  bind :1', '  balance roundrobin', '  timeout connect 5s', '  fullconn 10', 'backend b', '  maxconn 10', TIMEOUTS].join('\n'),
    );
    validConfig(r);
    oneWarning(r, "[t.cfg:3] : 'balance' ignored because frontend 'f' has no backend capability.");
    oneWarning(r, "[t.cfg:4] : 'timeout connect' will be ignored because frontend 'f' has no backend capability");
    oneWarning(r, "[t.cfg:5] : 'fullconn' ignored because frontend 'f' has no backend capability. Maybe you want 'maxconn' instead ?");
    oneWarning(r, "[t.cfg:7] : 'maxconn' ignored because backend 'b' has no frontend capability. Maybe you want 'fullconn' instead ?");
  });

  test('missing timeouts, a frontend without bind, tcp-check rules without option tcp-check', async () => {
    const r = await load('frontend f\n  default_backend b\nbackend b\n  tcp-check send x');
    validConfig(r);
    oneWarning(r, "[t.cfg:1] : missing timeouts for frontend 'f'.");
    oneWarning(r, "[t.cfg:3] : missing timeouts for backend 'b'.");
    oneWarning(r, "[t.cfg:1] : frontend 'f' has no 'bind' directive.");
    oneWarning(r, "[t.cfg:3] : backend 'b' uses tcp-check rules without 'option tcp-check', so the rules are ignored.");
    // Having no listener is not a warning in HAProxy: `-c` says so in its closing line (check-report.ts).
    assert.deepEqual(r.listeners, { kind: 'none' });
  });

  test("'5sec' is accepted as 5s with HAProxy's warning", async () => {
    const r = await load(`backend b\n${TIMEOUTS}\n  timeout check 5sec`);
    assert.equal(backendNamed(validConfig(r), 'b').timeouts.check, 5000);
    oneWarning(r, "unexpected character 'e' after the timer value '5sec'");
  });

  test('legacy contimeout/clitimeout/srvtimeout are read as timeouts with a deprecation warning', async () => {
    const r = await load('defaults\n  contimeout 5s\n  clitimeout 6s\n  srvtimeout 7s\nlisten l\n  bind :1');
    const c = validConfig(r);
    assert.deepEqual(backendNamed(c, 'l').timeouts, { connect: 5000, client: 6000, server: 7000 });
    oneWarning(r, "[t.cfg:2] : 'contimeout' is deprecated");
    oneWarning(r, "[t.cfg:4] : 'srvtimeout' is deprecated (HAProxy 2.1 removed it); read as 'timeout server'");
  });

  test('a server without port connects to the port the client connected to, without a warning', async () => {
    const r = await load(`backend b\n  server s 127.0.0.1\n${TIMEOUTS}`);
    const s = backendNamed(validConfig(r), 'b').servers[0];
    assert.equal(s?.port, 0);
    assert.equal(s?.portOffset, 0);
    assert.deepEqual(rendered(r).warnings.filter((w) => w.includes('server b/s')), []);
  });
});
