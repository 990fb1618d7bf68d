// `dolphindb-discovery` and `server-template` as the configuration reads them: defaults, every refusal with its
// text, the template check, the discovered template's slots starting without an address (its FQDN is a placeholder,
// never resolved), and the emulated controller process (`orcalb-ddb-node --role controller`) turned by its stdin
// knobs and read by a real binary-API client.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { backendNamed, load, rendered, TIMEOUTS, validConfig } from '../support/config-load.js';
import { DdbTcpClient } from '../support/ddb-tcp-client.js';
import { within } from '../support/wait.js';
import { readClusterNodes } from '../../core/dolphindb/discovery-nodes.js';

const head = `defaults\n  mode tcp\n${TIMEOUTS}\n`;

describe('dolphindb-discovery: configuration', () => {
  test('defaults: interval 2s, role datanode, the only template; the template slots start without an address', async () => {
    const config = validConfig(await load(`${head}backend b\n  dolphindb-discovery controller 127.0.0.1:8900\n  server-template dn 3 nothere.invalid:8848 check\n`));
    const be = backendNamed(config, 'b');
    assert.deepEqual(be.options.dolphindbDiscovery && { ...be.options.dolphindbDiscovery, source: undefined }, {
      source: undefined, controllers: [{ host: '127.0.0.1', port: 8900 }], intervalMs: 2000, role: 'datanode', template: 'dn',
    });
    assert.deepEqual(be.servers.map((s) => [s.name, s.template, s.unresolved, s.disabled]), [
      ['dn1', 'dn', true, false], ['dn2', 'dn', true, false], ['dn3', 'dn', true, false],
    ]);
  });

  test('every option, several controllers', async () => {
    const config = validConfig(await load(`${head}listen l\n  bind 127.0.0.1:8080\n  dolphindb-discovery controller c1.local:8900 controller 10.0.0.2:8901 user admin password secret interval 500ms role all template x\n  server-template x 2 127.0.0.1:1\n  server-template y 2 127.0.0.1:2\n`));
    const d = backendNamed(config, 'l').options.dolphindbDiscovery;
    assert.deepEqual(d && [d.controllers, d.user, d.password, d.intervalMs, d.role, d.template], [
      [{ host: 'c1.local', port: 8900 }, { host: '10.0.0.2', port: 8901 }], 'admin', 'secret', 500, 'all', 'x',
    ]);
    // The other template is not discovery's: its servers resolve and start as configured.
    assert.deepEqual(backendNamed(config, 'l').servers.map((s) => s.unresolved ?? false), [true, true, false, false]);
  });

  const BAD: ReadonlyArray<readonly [string, string]> = [
    ['dolphindb-discovery', "'dolphindb-discovery' needs at least one controller"],
    ['dolphindb-discovery controller 127.0.0.1', "'dolphindb-discovery controller' expects <host>:<port>, got '127.0.0.1'"],
    ['dolphindb-discovery controller 127.0.0.1:99999', "expects <host>:<port>, got '127.0.0.1:99999'"],
    ['dolphindb-discovery controller 127.0.0.1:8900 interval 10ms', "'dolphindb-discovery interval' expects a time of at least 100ms"],
    ['dolphindb-discovery controller 127.0.0.1:8900 role agent', "'dolphindb-discovery role' expects datanode|computenode|all, got 'agent'"],
    ['dolphindb-discovery controller 127.0.0.1:8900 bogus 1', "'dolphindb-discovery': unknown word 'bogus'"],
    ['dolphindb-discovery controller 127.0.0.1:8900 user', "'dolphindb-discovery user' needs a value"],
    ['dolphindb-discovery controller 127.0.0.1:8900 password p', "'dolphindb-discovery password' needs 'user'"],
    ['dolphindb-discovery controller 127.0.0.1:8900 template zz', "'dolphindb-discovery template zz': backend 'b' has no 'server-template zz …' line."],
  ];
  for (const [line, text] of BAD) {
    test(`refused: ${line}`, async () => {
      const r = rendered(await load(`${head}backend b\n  ${line}\n  server-template dn 2 127.0.0.1:1\n`));
      assert.equal(r.errors.length, 1, r.errors.join('\n'));
      assert.ok(r.errors[0]?.includes(text), r.errors[0]);
    });
  }

  test('refused: no template, two templates without a name, in a frontend', async () => {
    const none = rendered(await load(`${head}backend b\n  dolphindb-discovery controller 127.0.0.1:8900\n  server s 127.0.0.1:1\n`));
    assert.match(none.errors.join('\n'), /'dolphindb-discovery': backend 'b' has no server-template to fill\./);
    const two = rendered(await load(`${head}backend b\n  dolphindb-discovery controller 127.0.0.1:8900\n  server-template a 1 127.0.0.1:1\n  server-template c 1 127.0.0.1:1\n`));
    assert.match(two.errors.join('\n'), /has 2 server-templates: name one with 'template <prefix>'/);
    const fe = rendered(await load(`${head}frontend f\n  bind 127.0.0.1:0\n  dolphindb-discovery controller 127.0.0.1:8900\n`));
    assert.equal(fe.errors.length + fe.warnings.length > 0, true);
    assert.match([...fe.errors, ...fe.warnings].join('\n'), /dolphindb-discovery/);
  });
});

describe('orcalb-ddb-node --role controller', () => {
  test('answers getClusterPerf() with the nodes of its flags and of its stdin knobs; <NotLeader> when told', async (t) => {
    const bin = fileURLToPath(new URL('../../emulator/ddb-node.js', import.meta.url));
    const child = spawn(process.execPath, [bin, '--role', 'controller', '--port', '0', '--name', 'ctl', '--cluster-node', 'n1=127.0.0.1:9001'], { stdio: ['pipe', 'pipe', 'inherit'] });
    t.after(() => child.kill('SIGTERM'));
    const lines = createInterface({ input: child.stdout });
    const next = async (): Promise<string> => {
      const [line] = (await within(once(lines, 'line'), 5000, 'a line from orcalb-ddb-node')) as [string];
      return line;
    };
    const banner = await next();
    const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(banner)?.[1]);
    assert.match(banner, /ctl \(controller\)/);
    const read = async (): Promise<string> => {
      const c = await DdbTcpClient.open(port);
      try {
        await c.call({ kind: 'connect' });
        const { reply } = await c.call({ kind: 'script', script: 'getClusterPerf()' });
        if (reply.kind === 'error') return reply.message;
        const nodes = readClusterNodes(reply.object, 'all');
        return nodes.ok ? nodes.nodes.map((n) => `${n.name}:${n.port}:${n.alive ? 'up' : 'down'}`).join(' ') : nodes.reason;
      } finally {
        c.close();
      }
    };
    assert.equal(await read(), 'n1:9001:up');
    child.stdin.write('cluster add n2=127.0.0.1:9002:computenode\n');
    assert.equal(await next(), 'cluster add n2');
    child.stdin.write('cluster down n1\n');
    assert.equal(await next(), 'cluster down n1');
    assert.equal(await read(), 'n1:9001:down n2:9002:up');
    child.stdin.write('cluster leader 127.0.0.1:9100:ctl2\n');
    assert.equal(await next(), 'cluster leader 127.0.0.1:9100:ctl2');
    assert.equal(await read(), '<NotLeader>127.0.0.1:9100:ctl2');
    child.stdin.write('cluster del nobody\n');
    assert.equal(await next(), 'error: cluster: no node named nobody');
  });
});

describe('resolvers: configuration (haproxy 2.6.12 alert texts)', () => {
  const section = 'resolvers dns\n  nameserver ns1 127.0.0.1:5353\n  hold valid 1s\n  hold obsolete 5s\n  timeout resolve 2s\n  timeout retry 500ms\n  resolve_retries 2\n  accepted_payload_size 8192\n';

  test('the section and a template using it', async () => {
    const config = validConfig(await load(`${section}${head}backend b\n  server-template s 2 ddb.example.com:8848 resolvers dns init-addr none\n`));
    const r = config.resolvers?.[0];
    assert.deepEqual(r && [r.name, r.nameservers, r.hold.valid, r.hold.obsolete, r.hold.nx, r.timeoutResolveMs, r.timeoutRetryMs, r.resolveRetries], [
      'dns', [{ name: 'ns1', host: '127.0.0.1', port: 5353 }], 1000, 5000, 30_000, 2000, 500, 2,
    ]);
    assert.deepEqual(backendNamed(config, 'b').servers.map((s) => [s.name, s.resolvers, s.fqdn, s.unresolved]), [
      ['s1', 'dns', 'ddb.example.com', true], ['s2', 'dns', 'ddb.example.com', true],
    ]);
  });

  const BAD: ReadonlyArray<readonly [string, string]> = [
    [`${section}  bogus 1\n${head}`, "unknown keyword 'bogus' in 'resolvers' section"],
    [`resolvers d2\n  nameserver\n${head}`, "'nameserver' expects <name> and <addr>[:<port>] as arguments."],
    [`resolvers d2\n  hold bad 1s\n${head}`, "'hold' unknown <event>: 'bad', expects either 'nx', 'timeout', 'valid', 'obsolete' or 'other'."],
    [`${section}${head}backend b\n  server x foo.example.com:80 resolvers nope init-addr none\n`, "backend 'b', server 'x': unable to find required resolvers 'nope'"],
  ];
  for (const [text, message] of BAD) {
    test(`refused: ${message}`, async () => {
      const r = rendered(await load(text));
      assert.ok(r.errors.some((e) => e.includes(message)), r.errors.join('\n'));
    });
  }
});
