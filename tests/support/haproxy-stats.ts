// Test support: reads the real haproxy's state from its stats socket (management.txt §9.3, `stats socket` in the
// global section): one command per connection, and `show stat` rows by proxy and server name. Test thread.

import { connect } from 'node:net';

/** Sends one command to haproxy's stats socket at `path` and resolves with the whole answer (5 s at most). */
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

/** One `show stat` row as column name → value (every column '' when there is no such row). */
export function statRow(csv: string, px: string, sv: string): Record<string, string> {
  const [header = '', ...rows] = csv.trim().split('\n');
  const names = header.replace(/^# /, '').split(',');
  const row = rows.map((r) => r.split(',')).find((r) => r[0] === px && r[1] === sv) ?? [];
  return Object.fromEntries(names.map((n, i) => [n, row[i] ?? '']));
}
