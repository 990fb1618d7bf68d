// Subject launcher: Debian's nginx (nginx-light + libnginx-mod-stream), `http` block for mode http and `stream` for
// mode tcp, worker_processes N, same round-robin and timeouts as the HAProxy config, and like it keep-alive on both
// sides in mode http (upstream `keepalive`, HTTP/1.1 without a Connection header; WebSocket upgrades pass).
// Runner main thread.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeTcpPort } from '../../tests/support/haproxy-process.js';
import { waitListening } from '../port-wait.js';
import type { ProxySpec, SubjectLauncher } from './subject.js';

const BIN = '/usr/sbin/nginx';
const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

/** nginx.conf for spec on 127.0.0.1:port, every path under dir. Pure. */
export function nginxConfigText(spec: ProxySpec, port: number, dir: string, nofile: number): string {
  // Idle server connections kept per worker (HAProxy keeps and reuses them as well in its default keep-alive mode).
  const keepalive = spec.mode === 'http' ? ['        keepalive 1024;', '        keepalive_requests 100000000;'] : [];
  const upstream = ['    upstream bench_back {', ...spec.servers.map((p) => `        server 127.0.0.1:${p};`), ...keepalive, '    }'];
  const common = [
    ...(spec.mode === 'tcp' ? [`load_module ${STREAM_MODULE};`] : []),
    'daemon off;',
    'master_process on;',
    `worker_processes ${spec.threads};`,
    `worker_rlimit_nofile ${nofile};`,
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log warn;`,
    `events { worker_connections ${spec.maxconn * 2 + 64}; }`,
  ];
  if (spec.mode === 'tcp') {
    return [
      ...common,
      'stream {',
      ...upstream,
      '    server {',
      `        listen 127.0.0.1:${port};`,
      '        proxy_pass bench_back;',
      '        proxy_connect_timeout 10s;',
      '        proxy_timeout 1h;',
      ...(spec.sendProxy === true ? ['        proxy_protocol on;'] : []),
      '    }',
      '}',
      '',
    ].join('\n');
  }
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${dir}/${t};`);
  return [
    ...common,
    'http {',
    '    access_log off;',
    ...temp,
    // HAProxy has no per-connection request cap; nginx's default (1000) would close wrk's connections.
    '    keepalive_requests 100000000;',
    '    keepalive_timeout 10s;',
    // Upgrades (DolphinDB's WebSocket) are passed on; every other request leaves its server connection open.
    "    map $http_upgrade $connection_upgrade { default upgrade; '' ''; }",
    ...upstream,
    '    server {',
    `        listen 127.0.0.1:${port};`,
    '        location / {',
    '            proxy_pass http://bench_back;',
    '            proxy_http_version 1.1;',
    '            proxy_set_header Upgrade $http_upgrade;',
    '            proxy_set_header Connection $connection_upgrade;',
    '            proxy_set_header X-Forwarded-For $remote_addr;',
    '            proxy_connect_timeout 10s;',
    '            proxy_read_timeout 1h;',
    '            proxy_buffering on;',
    '        }',
    '    }',
    '}',
    '',
  ].join('\n');
}

export const nginxLauncher: SubjectLauncher = {
  name: 'nginx',
  modes: ['tcp', 'http'],
  version() {
    if (!existsSync(BIN)) return undefined;
    // nginx -v writes its version on stderr.
    return /nginx\/(\S+)/.exec(spawnSync(BIN, ['-v'], { encoding: 'utf8' }).stderr)?.[1];
  },
  async start(spec, env) {
    if (!existsSync(BIN)) return { kind: 'skipped', note: 'nginx not installed (apt-get install -y nginx-light libnginx-mod-stream)' };
    if (spec.mode === 'tcp' && !existsSync(STREAM_MODULE)) {
      return { kind: 'skipped', note: 'nginx stream module missing (apt-get install -y libnginx-mod-stream)' };
    }
    const port = await freeTcpPort();
    const dir = join(env.tmpDir, `nginx-${port}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'nginx.conf'), nginxConfigText(spec, port, dir, env.nofile));
    const child = env.group.spawn({
      name: 'nginx',
      command: BIN,
      args: ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')],
      cpus: env.cpus,
      nofile: env.nofile,
    });
    await waitListening(port, child, 10_000);
    // SIGTERM is nginx's fast shutdown: the master stops its workers and exits.
    return { kind: 'running', subject: { name: 'nginx', ports: [port], pid: child.pid, stop: async () => void (await child.stop('SIGTERM', 3000)) } };
  },
};
