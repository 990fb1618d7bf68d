// The runtime API's plumbing around the server: the relay messages (workers/messages.ts narrowers, main's
// answerCliRelay) and a stats thread that dies: main restarts it on dups of the same stats socket, which answers
// again (the socket file is not re-created, so its mode and owner stay). Test-runner thread; orcalb a child.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { asCliRelay, asCliRelayDone } from '../../workers/messages.js';
import { answerCliRelay } from '../../workers/cli-relay.js';
import { cliCommand } from '../support/cli-client.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { pollUntil } from '../support/wait.js';
import { load, validConfig } from '../support/config-load.js';

test('relay messages: the narrowers take well-formed ones only', () => {
  assert.deepEqual(asCliRelay({ type: 'cli-relay', id: 1, request: { kind: 'ping' } }), { type: 'cli-relay', id: 1, request: { kind: 'ping' } });
  assert.equal(asCliRelay({ type: 'cli-relay', id: '1', request: { kind: 'ping' } }), undefined);
  assert.equal(asCliRelay({ type: 'cli-relay', id: 1, request: null }), undefined);
  assert.equal(asCliRelay({ type: 'cli-relay-done', id: 1, answer: { ok: true } }), undefined);
  assert.deepEqual(asCliRelayDone({ type: 'cli-relay-done', id: 2, answer: { ok: true } }), { type: 'cli-relay-done', id: 2, answer: { ok: true } });
  assert.equal(asCliRelayDone({ type: 'cli-relay-done', id: 2, answer: { ok: 'yes' } }), undefined);
});

test('main answers ping, and an unknown request kind with ok false (never a throw)', async () => {
  const config = validConfig(await load('global\n  stats socket /tmp/never.sock\n'));
  // `control` is what i13-ctl's relay hands the control kinds to; ping and unknown kinds never reach it.
  const deps = { config, state: undefined as never, control: () => Promise.resolve({ ok: false }) };
  assert.deepEqual(await answerCliRelay({ kind: 'ping' }, deps), { ok: true });
  const odd = await answerCliRelay({ kind: 'nope' } as never, deps);
  assert.equal(odd.ok, false);
});

test('a stats thread that dies is restarted on the same stats socket, which answers again', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'orcalb-cli-restart-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sock = join(dir, 'admin.sock');
  const fe = await freeTcpPort();
  const text = [
    'global', `  stats socket ${sock} mode 640 level admin`,
    'defaults', '  mode tcp', '  timeout connect 1s', '  timeout client 5s', '  timeout server 5s',
    'frontend fe', `  bind 127.0.0.1:${fe}`, '  default_backend be', 'backend be', '  server s1 127.0.0.1:1',
  ].join('\n') + '\n';
  const lb = await startOrcalb(text, { threads: 1, env: { ORCALB_TEST_HOOKS: '1' } });
  t.after(() => lb.stop());
  assert.equal(await cliCommand(sock, 'show backend'), '# name\nbe\n\n');
  assert.equal(statSync(sock).mode & 0o777, 0o640);
  lb.send('crash-stats');
  await lb.waitForStderr(/stats thread exited; restarting it/, 5000);
  let answer = '';
  await pollUntil(async () => {
    answer = await cliCommand(sock, 'get weight be/s1').catch(() => '');
    return answer !== '';
  }, 10_000, 'the stats socket answers after the restart', 20);
  assert.equal(answer, '1 (initial 1)\n\n');
  assert.equal(statSync(sock).mode & 0o777, 0o640);
});
