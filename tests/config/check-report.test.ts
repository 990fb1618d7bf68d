// `orcalb -c` output: HAProxy 2.6's `haproxy -c` line layout, closing lines and exit codes (0, 1, 2), and the
// refusal a start prints when there is nothing to listen on.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkReport } from '../../config/check-report.js';
import { TIMEOUTS, load } from '../support/config-load.js';

describe('checkReport', () => {
  test('a clean config prints only "Configuration file is valid" and exits 0', async () => {
    const r = await load(`defaults\n${TIMEOUTS}\nfrontend f\n  bind 127.0.0.1:1\n  default_backend b\nbackend b\n  server s 127.0.0.1:2`);
    assert.deepEqual(checkReport(r, 123), { lines: ['Configuration file is valid'], exitCode: 0 });
  });

  test('warnings come as [WARNING] lines, then "Warnings were found." and the valid line', async () => {
    const r = await load(`defaults\n${TIMEOUTS}\nlisten l\n  bind 127.0.0.1:1\n  option http-ignore-probes`);
    const { lines, exitCode } = checkReport(r, 99);
    assert.equal(exitCode, 0);
    assert.deepEqual(lines, [
      "[WARNING]  (99) : config : [t.cfg:7] : 'option http-ignore-probes' is not implemented yet by orcalb; ignored",
      'Warnings were found.',
      'Configuration file is valid',
    ]);
  });

  test('parse errors: [ALERT] lines, then the per-file and fatal closing lines, exit 1', async () => {
    const r = await load('global\n  deamon\n', 'a.cfg');
    assert.deepEqual(checkReport(r, 5), {
      lines: [
        "[ALERT]    (5) : config : [a.cfg:2] : unknown keyword 'deamon' in 'global' section; did you mean 'daemon' maybe ?",
        '[ALERT]    (5) : config : Error(s) found in configuration file : a.cfg',
        '[ALERT]    (5) : config : Fatal errors found in configuration.',
      ],
      exitCode: 1,
    });
  });

  test('only address failures: one [ALERT] per server then "Failed to initialize server(s) addr."', async () => {
    const r = await load(`defaults\n${TIMEOUTS}\nlisten b\n  bind :1\n  server s1 name.invalid:80\n  server s2 other.invalid:80`, 'h.cfg', {
      lookup: () => Promise.reject(new Error('ENOTFOUND')),
    });
    assert.deepEqual(checkReport(r, 8), {
      lines: [
        "[ALERT]    (8) : config : [h.cfg:7] : 'server b/s1' : could not resolve address 'name.invalid'.",
        "[ALERT]    (8) : config : [h.cfg:8] : 'server b/s2' : could not resolve address 'other.invalid'.",
        '[ALERT]    (8) : config : Failed to initialize server(s) addr.',
      ],
      exitCode: 1,
    });
  });

  test('no listener: -c ends with HAProxy\'s "will not start" line and exit 2; a start refuses with exit 1', async () => {
    const r = await load('backend b\n  timeout connect 1s\n  timeout server 1s');
    assert.deepEqual(checkReport(r, 3, 'check'), {
      lines: ['Configuration file has no error but will not start (no listener) => exit(2).'],
      exitCode: 2,
    });
    assert.deepEqual(checkReport(r, 3, 'start'), {
      lines: ["[ALERT]    (3) : [orcalb main] No enabled listener found (check for 'bind' directives) ! Exiting."],
      exitCode: 1,
    });
    // Errors still decide first: exit 1 whatever the listeners.
    assert.equal(checkReport(await load('global\n  deamon'), 3, 'check').exitCode, 1);
  });

  test('reference errors close with the fatal line but no per-file line (HAProxy reports them after parsing)', async () => {
    const r = await load(`defaults\n${TIMEOUTS}\nfrontend f\n  bind :1\n  default_backend nope`, 'r.cfg');
    assert.deepEqual(checkReport(r, 1).lines, [
      "[ALERT]    (1) : config : [r.cfg:7] : Proxy 'f': unable to find required default_backend: 'nope'.",
      '[ALERT]    (1) : config : Fatal errors found in configuration.',
    ]);
  });
});
