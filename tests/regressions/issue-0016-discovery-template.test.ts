// Issue 16, `server-template PREFIX NUM|RANGE FQDN[:PORT] [params]` side by side with haproxy 2.6.12: the same
// config started in both, `show servers state` and `show stat` compared (names, ids, addresses, MAINT (resolution)
// for a name that does not resolve under `init-addr none`, weights, the FQDN column), and the same `-c` verdict and
// alert text for bad arguments. Test-runner thread; orcalb and haproxy are child processes.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cliCommand } from '../support/cli-client.js';
import { freeTcpPort, runHaproxyCli, startHaproxy, type HaproxyProcess } from '../support/haproxy-process.js';
import { runOrcalbCli, startOrcalb, type OrcalbProcess } from '../support/orcalb-process.js';
import { delay } from '../support/wait.js';

const TIMEOUTS = ['  timeout connect 1s', '  timeout client 5s', '  timeout server 5s'];

function config(front: number, cli: number, backend: number): string {
  return [
    'global', `  stats socket ipv4@127.0.0.1:${cli} level admin`,
    'defaults', '  mode tcp', ...TIMEOUTS,
    'listen l', `  bind 127.0.0.1:${front}`,
    // A name that resolves (localhost), a numeric range, one that does not resolve (init-addr none: RMAINT), and
    // init-addr's literal fallback.
    `  server-template s 3 localhost:${backend} weight 5`,
    `  server-template t 2-4 127.0.0.1:${backend}`,
    '  server-template u 2 nothere.invalid:80 init-addr none',
    '  server-template v 1 nothere.invalid:81 init-addr last,libc,127.0.0.9',
    '',
  ].join('\n');
}

/** `show servers state` rows without the seconds since the last change (a timing cell). */
function stateRows(text: string): string[] {
  return text.trim().split('\n').slice(2).map((l) => {
    const cells = l.split(' ');
    cells[9] = '-';
    return cells.join(' ');
  });
}

/** name, status, weight, act of each server row of `show stat`. */
function statRows(text: string): string[] {
  const lines = text.trim().split('\n');
  const head = (lines[0] ?? '').replace(/^# /, '').split(',');
  const col = (name: string): number => head.indexOf(name);
  return lines.slice(1).map((l) => l.split(',')).filter((c) => c[1] !== 'FRONTEND' && c[1] !== 'BACKEND')
    .map((c) => [c[col('svname')], c[col('status')], c[col('weight')], c[col('act')]].join(','));
}

describe('issue 16: server-template side by side with haproxy 2.6.12', () => {
  let lb: OrcalbProcess;
  let hap: HaproxyProcess;
  let lbCli: number;
  let hapCli: number;

  before(async () => {
    const backend = await freeTcpPort();
    lbCli = await freeTcpPort();
    hapCli = await freeTcpPort();
    lb = await startOrcalb(config(await freeTcpPort(), lbCli, backend));
    hap = await startHaproxy(config(await freeTcpPort(), hapCli, backend));
  });
  after(async () => {
    await lb?.stop();
    await hap?.stop();
  });

  test('the template servers, their addresses and their resolution maintenance read as haproxy shows them', async () => {
    const [ours, theirs] = await Promise.all([cliCommand({ port: lbCli }, 'show servers state'), cliCommand({ port: hapCli }, 'show servers state')]);
    assert.deepEqual(stateRows(ours), stateRows(theirs));
    // The names the lines make, in order (a check that the comparison above compared something).
    assert.deepEqual(stateRows(ours).map((r) => r.split(' ')[3]), ['s1', 's2', 's3', 't2', 't3', 't4', 'u1', 'u2', 'v1']);
    const [statOurs, statTheirs] = await Promise.all([cliCommand({ port: lbCli }, 'show stat'), cliCommand({ port: hapCli }, 'show stat')]);
    assert.deepEqual(statRows(statOurs), statRows(statTheirs));
    assert.ok(statRows(statOurs).includes('u1,MAINT (resolution),1,1'));
  });
});

describe('issue 16: server-template arguments refused as haproxy 2.6.12 refuses them', () => {
  const BAD = [
    'server-template s',
    'server-template s 3',
    'server-template s 0 127.0.0.1:80',
    'server-template s 5-2 127.0.0.1:80',
    'server-template s 2-x 127.0.0.1:80',
    'server-template s 2 127.0.0.1:80\n  server s1 127.0.0.1:81',
    'server-template s 1-3 127.0.0.1:80\n  server-template s 3 127.0.0.1:81',
  ];
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'orcalb-template-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const [i, line] of BAD.entries()) {
    test(`'${line.replace(/\n\s*/g, ' / ')}' fails with haproxy's alert`, async () => {
      const file = join(dir, `c${i}.cfg`);
      await writeFile(file, ['defaults', '  mode tcp', ...TIMEOUTS, 'backend b', `  ${line}`, ''].join('\n'));
      const [ours, theirs] = await Promise.all([runOrcalbCli(['-c', '-f', file]), runHaproxyCli(['-c', '-f', file])]);
      assert.equal(theirs.code, 1);
      assert.equal(ours.code, 1);
      // haproxy's alert lines, without its pid prefix, each found in orcalb's output.
      const alerts = theirs.stderr.split('\n').filter((l) => l.includes(`[${file.split('/').pop() ?? ''}:`) || l.includes(`${file}:`));
      assert.ok(alerts.length > 0, theirs.stderr);
      for (const a of alerts) {
        const text = a.replace(/^.*?config : (parsing )?/, '').replace(/^\[[^\]]*\] : /, '');
        assert.ok(ours.stderr.includes(text), `orcalb's output lacks haproxy's "${text}":\n${ours.stderr}`);
      }
    });
  }
});

describe('issue 16: a server without an address is not checked', () => {
  test('checks skip a template slot in resolution maintenance (its placeholder 0.0.0.0 would reach this host)', async (t) => {
    let connections = 0;
    const listener = createServer((c) => {
      connections++;
      c.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    t.after(() => listener.close());
    const port = (listener.address() as { port: number }).port;
    const front = await freeTcpPort();
    const lb = await startOrcalb(['defaults', '  mode tcp', ...TIMEOUTS, 'listen l', `  bind 127.0.0.1:${front}`,
      `  server-template s 2 nothere.invalid:${port} check inter 100ms init-addr none`, ''].join('\n'));
    t.after(() => lb.stop());
    // Ten check intervals: time enough for the checks to have hit 0.0.0.0:port (this host) many times.
    await delay(1000);
    assert.equal(connections, 0);
  });
});
