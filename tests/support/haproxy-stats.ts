// Test support: reads the real HAProxy's counters over its stats socket (`stats socket PATH` in the global section,
// management guide §9.3), for tests that compare what haproxy counts or clamps with orcalb. Test-runner thread.

import { connect } from 'node:net';

/** Sends one command to haproxy's stats socket and resolves with the whole answer; rejects after 5 s. */
export function statsCommand(path: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    let text = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer to '${command}' within 5 s`));
    }, 5000);
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => (text += d));
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
    sock.end(`${command}\n`);
  });
}

/** One `show stat` row (proxy `px`, service `sv`: FRONTEND, BACKEND or a server name) as column name → value. */
export function statRow(csv: string, px: string, sv: string): Record<string, string> {
  const [header = '', ...rows] = csv.trim().split('\n');
  const names = header.replace(/^# /, '').split(',');
  const row = rows.map((r) => r.split(',')).find((r) => r[0] === px && r[1] === sv) ?? [];
  return Object.fromEntries(names.map((n, i) => [n, row[i] ?? '']));
}
