// orcalb's accept/reject verdict matches `haproxy -c` (HAProxy 2.6.12 at /usr/sbin/haproxy) on a table of small
// configurations, valid and invalid, TCP and HTTP mode. HAProxy's exit 2 ("valid, but no listener") counts as
// accepted.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../config/load-config.js';
import { HAPROXY_BIN } from '../support/haproxy-process.js';
import { rendered, tempConfigDir } from '../support/config-load.js';

const T = '  timeout connect 1s\n  timeout client 1s\n  timeout server 1s';

/** [what the case is about, expected verdict, config text]. */
const CASES: readonly (readonly [string, 'valid' | 'invalid', string])[] = [
  ['minimal listen', 'valid', `listen app\n  bind 127.0.0.1:18000\n${T}\n  server s 127.0.0.1:18001 check`],
  [
    'frontend + backend with server options',
    'valid',
    `frontend f\n  bind 127.0.0.1:18000\n  default_backend b\n${T}\nbackend b\n  balance leastconn\n${T}\n` +
      '  server a 127.0.0.1:18001 check inter 2s rise 3 fall 2 weight 50\n  server b 127.0.0.1:18002 backup send-proxy',
  ],
  [
    'named defaults and from',
    'valid',
    `defaults base\n  mode tcp\n${T}\ndefaults other\n  mode tcp\nlisten l from base\n  bind 127.0.0.1:18000\n  server s 127.0.0.1:1`,
  ],
  [
    'stats-only listen in http mode',
    'valid',
    `listen stats\n  mode http\n  bind 127.0.0.1:18080\n${T}\n  stats enable\n  stats uri /s\n  stats auth a:b`,
  ],
  [
    'tcp-check rules',
    'valid',
    `backend b\n${T}\n  option tcp-check\n  tcp-check connect\n  tcp-check send PING\\r\\n\n  tcp-check expect string +PONG\n` +
      '  server s 127.0.0.1:6379 check\nfrontend f\n  bind 127.0.0.1:18000\n  default_backend b',
  ],
  [
    'quotes, escapes and UTF-8 comments',
    'valid',
    `global #全局\n  log "127.0.0.1" local2 #日志\nlisten "app" #应用\n  bind 127.0.0.1:18000\n  description 'a "quoted" text'\\ more\n${T}`,
  ],
  [
    'keywords on the wrong side only warn',
    'valid',
    `frontend f\n  bind 127.0.0.1:18000\n  balance roundrobin\n${T}\n  default_backend b\nbackend b\n  maxconn 10\n${T}`,
  ],
  ["'5sec' only warns", 'valid', `listen l\n  bind 127.0.0.1:18000\n${T}\n  timeout check 5sec`],
  ['misspelt section keyword', 'invalid', `backend b\n  balanse roundrobin\n${T}`],
  ['misspelt server option', 'invalid', `backend b\n${T}\n  server s 127.0.0.1:80 chek`],
  ['unknown default_backend', 'invalid', `frontend f\n  bind 127.0.0.1:18000\n${T}\n  default_backend nope`],
  ['weight out of range', 'invalid', `backend b\n${T}\n  server s 127.0.0.1:80 weight 300`],
  ['bad inter unit', 'invalid', `backend b\n${T}\n  server s 127.0.0.1:80 check inter 5x`],
  ['duplicate backend names', 'invalid', `backend b\n${T}\nbackend b\n${T}`],
  ['unresolvable server address', 'invalid', `backend b\n${T}\n  server s xxx.xxx.xxx.1:9302 check`],
  ['unmatched quote', 'invalid', `backend b\n  description "open\n${T}`],
  [
    'http frontend on a tcp backend',
    'invalid',
    `frontend f\n  mode http\n  bind 127.0.0.1:18000\n${T}\n  default_backend b\nbackend b\n  mode tcp\n${T}`,
  ],
  ['bind port out of range', 'invalid', `frontend f\n  bind 127.0.0.1:99999\n${T}`],
  ['unknown user', 'invalid', 'global\n  user no-such-user-orcalb-test'],
  ['unknown defaults in from', 'invalid', `backend b from nowhere\n${T}`],
  // Issue 8: listeners and server ports.
  [
    'two frontends on the same address',
    'valid',
    `frontend a\n  bind 127.0.0.1:18000\n${T}\n  default_backend b\nfrontend c\n  bind 127.0.0.1:18000\n${T}\n  default_backend b\n` +
      `backend b\n${T}\n  server s 127.0.0.1:18001`,
  ],
  ['server port offsets and no port', 'valid', `backend b\n${T}\n  server a 127.0.0.1:+1\n  server c 127.0.0.1:-1\n  server d 127.0.0.1`],
  ['checked port offset with a check port', 'valid', `backend b\n${T}\n  server s 127.0.0.1:+1 check port 18001`],
  ['checked port offset without a check port', 'invalid', `backend b\n${T}\n  server s 127.0.0.1:+1 check`],
  ['checked server without a port', 'invalid', `backend b\n${T}\n  server s 127.0.0.1 check`],
  [
    'checked port offset with a tcp-check connect port',
    'valid',
    `backend b\n${T}\n  option tcp-check\n  tcp-check connect port 18001\n  server s 127.0.0.1:+1 check`,
  ],
  ['bind with a port offset', 'invalid', `frontend f\n  bind :+1\n${T}`],
  [
    'UNIX socket binds with mode, user and group',
    'valid',
    `frontend f\n  bind @DIR@/a.sock mode 600 user nobody group nogroup\n  bind unix@@DIR@/b.sock\n${T}\n  default_backend b\n` +
      `backend b\n${T}\n  server s 127.0.0.1:18001`,
  ],
  ['unix-bind defaults', 'valid', `global\n  unix-bind prefix @DIR@/ mode 640 group nogroup\nlisten l\n  bind unix@c.sock\n${T}`],
  ['UNIX bind with a bad mode', 'invalid', `listen l\n  bind @DIR@/a.sock mode 999\n${T}`],
  ['UNIX bind with an unknown user', 'invalid', `listen l\n  bind @DIR@/a.sock user no-such-user-orcalb-test\n${T}`],
  ['UNIX socket path too long', 'invalid', `listen l\n  bind /tmp/${'x'.repeat(100)}.sock\n${T}`],
  ['bind backlog below zero', 'invalid', `listen l\n  bind 127.0.0.1:18000 backlog -1\n${T}`],
  ['ulimit-n and fd-hard-limit', 'valid', `global\n  ulimit-n 4096\n  fd-hard-limit 8192\nlisten l\n  bind 127.0.0.1:18000\n${T}`],
];

const H = `  mode http\n${T}`;

/**
 * HTTP-mode keywords (issue 3). `@DIR@` is the case's temp directory, which holds ok.http (a complete response)
 * and bad.http (not a response) for errorfile.
 */
const HTTP_CASES: readonly (readonly [string, 'valid' | 'invalid', string])[] = [
  [
    'header rules, forwardfor except, connection mode and HTTP timeouts',
    'valid',
    `listen l\n  bind 127.0.0.1:18000\n${H}\n  option http-server-close\n  option forwardfor except 127.0.0.0/8 header X-Client if-none\n` +
      '  timeout http-request 10s\n  timeout http-keep-alive 2s\n  http-request set-header X-A "a b" if TRUE\n' +
      '  http-request del-header X-B -m beg\n  http-response add-header X-C %[src]\n  server s 127.0.0.1:18001',
  ],
  [
    'cookie insert, server cookies, persist and retry-on',
    'valid',
    `backend b\n${H}\n  cookie SRV insert indirect nocache httponly secure domain .a.com\n  option persist\n` +
      '  retry-on conn-failure empty-response 503\n  server a 127.0.0.1:18001 cookie a\n  server b 127.0.0.1:18002 cookie b',
  ],
  [
    'httpchk with http-check send and expect',
    'valid',
    `backend b\n${H}\n  option httpchk GET /health HTTP/1.1\n  http-check send hdr Host db body "{}"\n` +
      '  http-check expect ! rstatus ^5\n  server s 127.0.0.1:18001 check',
  ],
  [
    'http-check ruleset with two exchanges',
    'valid',
    `backend b\n${H}\n  option httpchk\n  http-check connect\n  http-check send uri /a\n  http-check expect status 200-399\n` +
      '  http-check connect port 18002\n  http-check send uri /b\n  http-check expect string OK\n  server s 127.0.0.1:18001 check',
  ],
  ['errorfile with a complete response', 'valid', `backend b\n${H}\n  errorfile 503 @DIR@/ok.http\n  errorfile 200 @DIR@/ok.http`],
  ['originalto except an IPv6 network', 'valid', `backend b\n${H}\n  option originalto except 2001:db8::/32 header X-Dst`],
  [
    'named defaults with rules used by frontends only',
    'valid',
    `defaults web\n${H}\n  http-request set-header X-D 1\nfrontend f from web\n  bind 127.0.0.1:18000\nfrontend g from web\n  bind 127.0.0.1:18001`,
  ],
  ['http rules in a TCP proxy only warn', 'valid', `listen l\n  bind 127.0.0.1:18000\n${T}\n  http-request set-header X y\n  cookie S insert`],
  ['set-header without a value', 'invalid', `backend b\n${H}\n  http-request set-header X-A`],
  ['del-header with an unknown -m method', 'invalid', `backend b\n${H}\n  http-request del-header X -m foo`],
  ['set-header with an unknown ACL', 'invalid', `backend b\n${H}\n  http-response set-header X y if nosuchacl`],
  ['errorfile for a code HAProxy does not handle', 'invalid', `backend b\n${H}\n  errorfile 302 @DIR@/ok.http`],
  ['errorfile that is not an HTTP response', 'invalid', `backend b\n${H}\n  errorfile 503 @DIR@/bad.http`],
  ['errorfile that does not exist', 'invalid', `backend b\n${H}\n  errorfile 503 @DIR@/missing.http`],
  ['cookie rewrite with indirect', 'invalid', `backend b\n${H}\n  cookie S rewrite indirect`],
  ['retry-on an unknown status', 'invalid', `backend b\n${H}\n  retry-on 429`],
  ['retry-on in a frontend', 'invalid', `frontend f\n  bind 127.0.0.1:18000\n${H}\n  retry-on 503`],
  ['forwardfor except with a /33 mask', 'invalid', `backend b\n${H}\n  option forwardfor except 10.0.0.0/33`],
  ['two http-check sends without a connect', 'invalid', `backend b\n${H}\n  option httpchk\n  http-check send uri /a\n  http-check send uri /b`],
  ['http-check expect with a bad status list', 'invalid', `backend b\n${H}\n  option httpchk\n  http-check expect status abc`],
  [
    'listen from defaults with rules',
    'invalid',
    `defaults web\n${H}\n  http-request set-header X-D 1\nlisten l from web\n  bind 127.0.0.1:18000`,
  ],
];

/** Runs `haproxy -c -f file`; resolves to its exit code and output. */
function haproxyCheck(file: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(HAPROXY_BIN, ['-c', '-f', file], { timeout: 10_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, output: stdout + stderr });
    });
  });
}

describe('verdicts against haproxy -c', () => {
  for (const [name, expected, text] of [...CASES, ...HTTP_CASES]) {
    test(`${expected}: ${name}`, async (t) => {
      const dir = await tempConfigDir(t, {
        'ok.http': 'HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nbusy\n',
        'bad.http': 'not a response\n',
      });
      const file = join(dir, 'case.cfg');
      await writeFile(file, `${text.replaceAll('@DIR@', dir)}\n`);
      const [haproxy, orcalb] = await Promise.all([haproxyCheck(file), loadConfig([file])]);
      const haproxyVerdict = haproxy.code === 0 || haproxy.code === 2 ? 'valid' : 'invalid';
      assert.equal(haproxyVerdict, expected, `haproxy -c said (exit ${haproxy.code}):\n${haproxy.output}`);
      const orcalbVerdict = orcalb.errors.length === 0 ? 'valid' : 'invalid';
      assert.equal(orcalbVerdict, expected, `orcalb said:\n${rendered(orcalb).errors.join('\n')}`);
      assert.equal(orcalb.config === undefined, expected === 'invalid');
    });
  }
});
