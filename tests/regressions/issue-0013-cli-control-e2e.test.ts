// Issue 13, the control commands' effects in a running orcalb, side by side with haproxy 2.6.12: the same change
// (haproxy: a command line on its stats socket through socat; orcalb: the same request through main's real relay path
// to the health thread and the listeners, sent with the ORCALB_TEST_HOOKS `relay` hook until the CLI server is
// merged) routes the same connections to the same servers through the forwarders (two threads), and `disable
// frontend` refuses connections on both until `enable frontend`.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CliRelayAnswer, ControlRelayRequest } from '../../core/cli/cli-relay.js';
import { probeConnect, requestTag, startBackendFarm } from '../support/backend-farm.js';
import { freeTcpPort, startHaproxy } from '../support/haproxy-process.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { within } from '../support/wait.js';

function socatLine(socket: string, line: string): Promise<string> {
  const child = spawn('socat', ['-', `UNIX-CONNECT:${socket}`], { stdio: ['pipe', 'pipe', 'ignore'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  child.stdin.end(`${line}\n`);
  return within(
    new Promise<string>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    }),
    5000,
    `socat ${line}`,
  );
}

for (const accept of ['acceptor', 'reuseport'] as const) {
  test(`${accept}: set weight / state / health and disable|enable frontend: the same routing and refusals as haproxy, through the forwarders`, async (t) => {
    const farm = await startBackendFarm(['s1', 's2', 's3']);
    t.after(() => farm.close());
    const [p1, p2, p3] = farm.ports();
    const body = (port: number): string =>
      [
        'defaults', '  mode tcp', '  timeout connect 1s', '  timeout client 5s', '  timeout server 5s',
        'frontend fe', `  bind 127.0.0.1:${port}`, '  default_backend be',
        'backend be', '  balance roundrobin',
        `  server s1 127.0.0.1:${p1} check inter 30s`, `  server s2 127.0.0.1:${p2} check inter 30s`, `  server s3 127.0.0.1:${p3} weight 2`,
        '',
      ].join('\n');
    const socket = join(mkdtempSync(join(tmpdir(), 'orcalb-cli-')), 'admin.sock');
    const hPort = await freeTcpPort();
    const oPort = await freeTcpPort();
    const haproxy = await startHaproxy(`global\n  stats socket ${socket} level admin\n${body(hPort)}`);
    t.after(() => haproxy.stop());
    const orcalb = await startOrcalb(body(oPort), { threads: 2, accept, env: { ORCALB_TEST_HOOKS: '1' } });
    t.after(() => orcalb.stop());

    let nextId = 1;
    const relay = async (request: ControlRelayRequest): Promise<CliRelayAnswer> => {
      const id = nextId++;
      orcalb.send(`relay ${id} ${JSON.stringify(request)}`);
      const line = await orcalb.waitForStderr(new RegExp(`test hook: relay answer ${id} (\\{.*\\})`), 5000);
      return JSON.parse(line.slice(line.indexOf('{'))) as CliRelayAnswer;
    };
    /** One change on both: haproxy's answer must be orcalb's message followed by the CLI's empty line. */
    const both = async (line: string, request: ControlRelayRequest): Promise<void> => {
      const theirs = await socatLine(socket, line);
      const ours = await relay(request);
      assert.equal(`${ours.message ?? ''}\n`, theirs, line);
    };
    const server = (name: string, command: Extract<ControlRelayRequest, { kind: 'server' }>['command']): ControlRelayRequest => ({
      kind: 'server', backend: 'be', server: name, command,
    });
    const rounds = async (n: number): Promise<void> => {
      const count = async (port: number): Promise<Record<string, number>> => {
        const out: Record<string, number> = {};
        for (let i = 0; i < n; i++) {
          const { tag } = await requestTag(port, `m${i}`);
          out[tag] = (out[tag] ?? 0) + 1;
        }
        return out;
      };
      assert.deepEqual(await count(oPort), await count(hPort));
    };

    await rounds(8);
    await both('set weight be/s1 3', server('s1', { op: 'weight', weight: 3 }));
    await both('set server be/s3 weight 0', server('s3', { op: 'weight', weight: 0 }));
    await rounds(8);
    await both('set server be/s2 state maint', server('s2', { op: 'state', value: 'maint' }));
    await rounds(4);
    await both('set server be/s2 state ready', server('s2', { op: 'state', value: 'ready' }));
    await rounds(8);
    await both('set server be/s1 health down', server('s1', { op: 'health', value: 'down' }));
    await rounds(4);
    await both('set server be/s1 health up', server('s1', { op: 'health', value: 'up' }));
    await rounds(8);
    await both('disable server be/s1', server('s1', { op: 'disable-server' }));
    await rounds(4);
    await both('enable server be/s1', server('s1', { op: 'enable-server' }));
    await rounds(8);

    await both('disable frontend fe', { kind: 'frontend-state', frontend: 0, enable: false });
    assert.deepEqual([await probeConnect(oPort), await probeConnect(hPort)], ['refused', 'refused']);
    await both('disable frontend fe', { kind: 'frontend-state', frontend: 0, enable: false });
    await both('enable frontend fe', { kind: 'frontend-state', frontend: 0, enable: true });
    await both('enable frontend fe', { kind: 'frontend-state', frontend: 0, enable: true });
    assert.deepEqual([await probeConnect(oPort), await probeConnect(hPort)], ['accepted', 'accepted']);
    await rounds(4);
  });
}
