// Reading real files: several `-f` files in order, directories of *.cfg, file:line of each message, unreadable
// files reported as ORCA_CONFIG_FILE errors.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../config/load-config.js';
import { TIMEOUTS, backendNamed, rendered, tempConfigDir, validConfig } from '../support/config-load.js';

describe('loadConfig over files', () => {
  test("files are read in order and a later file's proxies use an earlier file's defaults", async (t) => {
    const dir = await tempConfigDir(t, {
      'a.cfg': `global\n  maxconn 100\ndefaults\n  retries 7\n${TIMEOUTS}\n`,
      'b.cfg': 'backend b\n  server s 127.0.0.1:80\n',
    });
    const files = [join(dir, 'a.cfg'), join(dir, 'b.cfg')];
    const c = validConfig(await loadConfig(files));
    assert.deepEqual(c.files, files);
    assert.equal(c.global.maxconn, 100);
    assert.equal(backendNamed(c, 'b').retries, 7);
    assert.deepEqual(backendNamed(c, 'b').servers[0]?.source, { file: files[1], line: 2 });
  });

  test('each error cites its own file and line', async (t) => {
    const dir = await tempConfigDir(t, {
      'a.cfg': 'global\n  maxcon 10\n',
      'b.cfg': 'backend b\n\n  balanse roundrobin\n',
    });
    const r = await loadConfig([join(dir, 'a.cfg'), join(dir, 'b.cfg')]);
    assert.equal(r.config, undefined);
    assert.deepEqual(rendered(r).errors, [
      `[${join(dir, 'a.cfg')}:2] : unknown keyword 'maxcon' in 'global' section; did you mean 'maxconn' maybe ?`,
      `[${join(dir, 'b.cfg')}:3] : unknown keyword 'balanse' in 'backend' section; did you mean 'balance' maybe ?`,
    ]);
  });

  test('a section ends with its file: a second file cannot continue it', async (t) => {
    const dir = await tempConfigDir(t, { 'a.cfg': 'backend b\n', 'b.cfg': '  server s 127.0.0.1:80\n' });
    const r = await loadConfig([join(dir, 'a.cfg'), join(dir, 'b.cfg')]);
    assert.deepEqual(rendered(r).errors, [`[${join(dir, 'b.cfg')}:1] : unknown keyword 'server' out of section.`]);
  });

  test('a directory contributes its *.cfg files in lexical order', async (t) => {
    const dir = await tempConfigDir(t, {
      '20-backend.cfg': 'backend b\n  server s 127.0.0.1:80\n',
      '10-defaults.cfg': `defaults\n  retries 9\n${TIMEOUTS}\n`,
      'notes.txt': 'this is not configuration',
    });
    const c = validConfig(await loadConfig([dir]));
    assert.equal(backendNamed(c, 'b').retries, 9);
    assert.deepEqual(c.files, [join(dir, '10-defaults.cfg'), join(dir, '20-backend.cfg')]);
  });

  test('an unreadable file is an ORCA_CONFIG_FILE error, and the other files are still checked', async (t) => {
    const dir = await tempConfigDir(t, { 'ok.cfg': 'global\n  deamon\n' });
    const missing = join(dir, 'missing.cfg');
    const r = await loadConfig([missing, join(dir, 'ok.cfg')]);
    assert.equal(r.config, undefined);
    assert.deepEqual(
      r.errors.map((e) => e.code),
      ['ORCA_CONFIG_FILE', 'ORCA_CONFIG_UNKNOWN_KEYWORD'],
    );
    assert.equal(r.errors[0]?.message, `Cannot open configuration file/directory ${missing} : No such file or directory`);
  });

  test('CRLF line endings read the same as LF', async (t) => {
    const dir = await tempConfigDir(t, { 'w.cfg': 'backend b\r\n  server s 127.0.0.1:80 check\r\n' + TIMEOUTS.replaceAll('\n', '\r\n') + '\r\n' });
    const c = validConfig(await loadConfig([join(dir, 'w.cfg')]));
    assert.equal(backendNamed(c, 'b').servers[0]?.check, true);
  });
});
