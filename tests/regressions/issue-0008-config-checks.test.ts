// Issue 8, config checks: where `orcalb -c` and a start gave another verdict than HAProxy 2.6.12. A configuration
// with no listener (empty, comments only, backends only) now gets HAProxy's exit 2 from -c and a refused start;
// `${VAR}` in addresses is expanded whatever the quoting; a 65-word line, a byte order mark, a missing final
// newline and a NUL byte are refused, and a file that never ends (/dev/zero) is cut off; `maxconn -1`, `retries -1`
// and overflowing counts are accepted with the values HAProxy ends up using (read back from haproxy's own stats
// socket, side by side).

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../config/load-config.js';
import { connectTagged, startBackendFarm } from '../support/backend-farm.js';
import { TIMEOUTS, backendNamed, frontendNamed, load, rendered, tempConfigDir, validConfig } from '../support/config-load.js';
import { freeTcpPort, runHaproxyCli, startHaproxy } from '../support/haproxy-process.js';
import { statRow, statsCommand } from '../support/haproxy-stats.js';
import { runOrcalbCli, startOrcalb } from '../support/orcalb-process.js';

const NO_LISTENER_LINE = 'Configuration file has no error but will not start (no listener) => exit(2).';

const NO_LISTENER_FILES: Readonly<Record<string, string>> = {
  'empty.cfg': '',
  'comments.cfg': '# only a comment\n\n    # and another\n',
  'backend-only.cfg': `global\n  maxconn 100\nbackend b\n${TIMEOUTS}\n  server s 127.0.0.1:1\n`,
};

describe('a configuration without a listener', () => {
  for (const [name, text] of Object.entries(NO_LISTENER_FILES)) {
    test(`${name}: -c exits 2 with HAProxy's line, and a start is refused with exit 1, as haproxy does`, async (t) => {
      const dir = await tempConfigDir(t, { [name]: text });
      const file = join(dir, name);
      const [hc, oc] = await Promise.all([runHaproxyCli(['-c', '-f', file]), runOrcalbCli(['-c', '-f', file])]);
      assert.equal(hc.code, 2, hc.stdout + hc.stderr);
      assert.ok(hc.stdout.includes(NO_LISTENER_LINE), hc.stdout);
      assert.equal(oc.code, 2, oc.stdout + oc.stderr);
      assert.ok(oc.stdout.includes(NO_LISTENER_LINE), oc.stdout);
      // A start must end on its own: before the fix orcalb idled forever (killed here after 15 s: code -1).
      const [hs, os] = await Promise.all([runHaproxyCli(['-db', '-f', file]), runOrcalbCli(['-f', file])]);
      assert.equal(hs.code, 1, hs.stderr);
      assert.match(hs.stderr, /No enabled listener found \(check for 'bind' directives\) ! Exiting\./);
      assert.equal(os.code, 1, os.stderr);
      assert.match(os.stderr, /\[ALERT\] +\(\d+\) : \[orcalb main\] No enabled listener found \(check for 'bind' directives\) ! Exiting\./);
    });
  }

  test('a listen that only serves stats is a listener: the stats thread opens it (issue 12), so -c says valid', async (t) => {
    const dir = await tempConfigDir(t, {
      's.cfg': `listen stats\n  mode http\n  bind 127.0.0.1:1\n${TIMEOUTS}\n  stats enable\n  stats uri /s\n`,
    });
    const check = await runOrcalbCli(['-c', '-f', join(dir, 's.cfg')]);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /Configuration file is valid/);
  });
});

describe('${VAR} in addresses', () => {
  test('unquoted and single-quoted ${VAR} in bind and server: orcalb and haproxy listen and forward alike', async (t) => {
    const farm = await startBackendFarm(['s1']);
    t.after(() => farm.close());
    const config = (port: number): string =>
      `defaults\n${TIMEOUTS}\nlisten l\n  bind 127.0.0.1:\${ORCALB_T_FE}\n` +
      `  server s1 '\${ORCALB_T_HOST}:$ORCALB_T_BE' check addr \${ORCALB_T_HOST}\n# ${port}\n`;
    for (const who of ['orcalb', 'haproxy'] as const) {
      const port = await freeTcpPort();
      const env = { ORCALB_T_FE: String(port), ORCALB_T_HOST: '127.0.0.1', ORCALB_T_BE: String(farm.port('s1')) };
      const proc =
        who === 'orcalb'
          ? await startOrcalb(config(port), { env, threads: 1 })
          : await startHaproxy(config(port), { env, readyPort: port });
      t.after(() => proc.stop());
      const client = await connectTagged(port);
      assert.equal(client.tag, 's1', who);
      assert.equal((await client.exchange('ping')).toString(), 'ping');
      client.destroy();
      await proc.stop();
    }
  });

  test("HAProxy's expansion rule: the name is a run of letters, digits and '_', unset is empty, no default form", async () => {
    // The names each server line resolves, as haproxy -c reports them for the same lines (observed on 2.6.12):
    // 'xaay', 'x', 'xaa-def}y', 'xaay' (a double-quoted \$ is unescaped, then the address expands it) and
    // 'x\aay' (outside double quotes HAProxy keeps the backslash).
    const seen: string[] = [];
    await load(
      ['listen l', '  bind 127.0.0.1:18000', TIMEOUTS, '  server a x${A}y:1', '  server b x$Ay:1', '  server c x${A-def}y:1', '  server d "x\\${A}y:1"', '  server e x\\${A}y:1'].join('\n'),
      't.cfg',
      {
        env: { A: 'aa' },
        lookup: (host) => {
          seen.push(host);
          return Promise.reject(new Error('ENOTFOUND'));
        },
      },
    );
    // Each distinct name is resolved once.
    assert.deepEqual(seen.sort(), ['x', 'x\\aay', 'xaa-def}y', 'xaay']);
  });

  test('setenv, presetenv, unsetenv and resetenv change the environment for the lines after them', async () => {
    const r = await load(
      [
        'global',
        '  setenv FE 18001',
        '  presetenv BE 9',
        '  presetenv KEPT 9',
        '  unsetenv GONE',
        'listen l',
        '  bind 127.0.0.1:${FE}',
        TIMEOUTS,
        '  server s 127.0.0.1:${BE}${KEPT}${GONE}',
      ].join('\n'),
      't.cfg',
      { env: { KEPT: '1', GONE: '5' } },
    );
    const c = validConfig(r);
    assert.equal(frontendNamed(c, 'l').binds[0]?.port, 18001);
    assert.equal(backendNamed(c, 'l').servers[0]?.port, 91);
    const reset = await load(['global', '  resetenv KEEP', 'listen l', '  bind 127.0.0.1:1${KEEP}${DROP}', TIMEOUTS].join('\n'), 't.cfg', {
      env: { KEEP: '2', DROP: '3' },
    });
    assert.equal(frontendNamed(validConfig(reset), 'l').binds[0]?.port, 12);
  });
});

describe('the file itself', () => {
  test('a 65-word line, a byte order mark, a missing final newline and a NUL byte are errors naming line and position', async (t) => {
    const words = Array.from({ length: 64 }, (_, i) => ` w${i + 1}`).join('');
    const dir = await tempConfigDir(t, {
      'words.cfg': `listen l\n  bind 127.0.0.1:1\n  description${words}\n`,
      'bom.cfg': `\uFEFFlisten l\n  bind 127.0.0.1:1\n`,
      'nolf.cfg': 'listen l\n  bind 127.0.0.1:1',
      'nul.cfg': 'listen l\n  bind 127.0.0.1:1\n  description a\0b\n',
    });
    const errorsOf = async (name: string): Promise<string[]> => rendered(await loadConfig([join(dir, name)])).errors;
    const [words65] = await errorsOf('words.cfg');
    assert.match(words65 ?? '', /words\.cfg:3\] : too many words \(HAProxy's limit is 64 per line\): word 65 'w64' at position 258$/);
    const bom = await errorsOf('bom.cfg');
    assert.match(bom[0] ?? '', /bom\.cfg:1\] : unknown keyword '\uFEFFlisten' out of section\. The file starts with a UTF-8 byte order mark/);
    // As in HAProxy, every line after it is out of section too.
    assert.match(bom[1] ?? '', /bom\.cfg:2\] : unknown keyword 'bind' out of section\./);
    assert.deepEqual(await errorsOf('nolf.cfg'), [
      `[${join(dir, 'nolf.cfg')}:2] : Missing LF on last line, file might have been truncated at position 19.`,
    ]);
    assert.match((await errorsOf('nul.cfg'))[0] ?? '', /nul\.cfg:3\] : Stray NUL character at position 16\.$/);
  });
});

describe('variables that grow', () => {
  test('a 1 MiB value expands in a quoted word (it overflowed the stack), a line past 16 MiB is an error', async () => {
    const r = await load(
      [
        'global',
        '  setenv A "${BIG}${BIG}"',
        '  setenv A "${A}${A}${A}${A}${A}${A}${A}${A}"',
        '  setenv A "${A}${A}${A}${A}${A}${A}${A}${A}"',
        'listen l',
        '  bind 127.0.0.1:1',
        '  description "${BIG}"',
        TIMEOUTS,
      ].join('\n'),
      't.cfg',
      { env: { BIG: 'x'.repeat(1 << 19) } },
    );
    // 1 MiB after line 2, 8 MiB after line 3; line 4 passes 16 MiB at its second ${A}: refused, where haproxy
    // keeps doubling and never finishes.
    assert.deepEqual(rendered(r).errors, ['[t.cfg:4] : line too long: more than 16777216 bytes once the variable at position 17 is expanded']);
  });
});

describe('a file that never ends', () => {
  test('-f /dev/zero is refused at once instead of filling memory (haproxy stops at its first NUL)', async () => {
    const [haproxy, orcalb] = await Promise.all([runHaproxyCli(['-c', '-f', '/dev/zero']), runOrcalbCli(['-c', '-f', '/dev/zero'], {}, 30_000)]);
    assert.equal(haproxy.code, 1, haproxy.stderr);
    assert.equal(orcalb.code, 1, orcalb.stderr);
    assert.match(orcalb.stderr, /\[\/dev\/zero:0\] : Cannot open configuration file\/directory \/dev\/zero : larger than 64 MiB, not a configuration file/);
  });
});

describe('counts HAProxy clamps instead of refusing', () => {
  test('maxconn, maxqueue, weight and rise carry the value haproxy itself uses (read from its stats socket)', async (t) => {
    const dir = await tempConfigDir(t, {});
    const port = await freeTcpPort();
    const text = (global: string): string =>
      `global\n${global}\ndefaults\n${TIMEOUTS}\nfrontend f\n  bind 127.0.0.1:${port}\n  maxconn -1\n  default_backend b\n` +
      'backend b\n  retries -1\n  server s 127.0.0.1:1 maxconn 99999999999999999999 maxqueue -1 weight 4294967297 rise 4294967298\n';
    const sock = join(dir, 'stats.sock');
    const haproxy = await startHaproxy(text(`  maxconn 4294967295\n  stats socket ${sock}`), { readyPort: port });
    t.after(() => haproxy.stop());
    const info = await statsCommand(sock, 'show info');
    const stat = await statsCommand(sock, 'show stat');
    await haproxy.stop();
    const fe = statRow(stat, 'f', 'FRONTEND');
    const sv = statRow(stat, 'b', 's');
    const c = validConfig(await load(text('  maxconn -1')));
    assert.equal(String(c.global.maxconn), /^Maxconn: (\d+)$/m.exec(info)?.[1]);
    assert.equal(String(frontendNamed(c, 'f').maxconn), fe['slim']);
    const server = backendNamed(c, 'b').servers[0];
    assert.equal(String(server?.maxconn), sv['slim']);
    assert.equal(String(server?.maxqueue), sv['qlimit']);
    assert.equal(String(server?.weight), sv['weight']);
    assert.deepEqual([server?.maxconn, server?.maxqueue, server?.weight, server?.rise], [4294967295, 4294967295, 1, 2]);
    // `retries -1` is no retry at all in haproxy (one connection error, wretr 0, measured on 2.6.12).
    assert.equal(backendNamed(c, 'b').retries, 0);
  });

  test('a count whose low 32 bits are 0 means "not set" (the global maxconn applies), as in haproxy', async () => {
    const c = validConfig(await load(`global\n  maxconn 500\nfrontend f\n  bind :1\n  maxconn 4294967296\n${TIMEOUTS}`));
    assert.equal(frontendNamed(c, 'f').maxconn, 500);
  });

  test('words that are not numbers stay errors: orcalb does not read `10k` as 10 the way atol() does', async () => {
    const r = await load(`frontend f\n  bind :1\n  maxconn 10k\n${TIMEOUTS}`);
    assert.deepEqual(rendered(r).errors, ["[t.cfg:3] : 'maxconn' expects an integer argument."]);
  });
});
