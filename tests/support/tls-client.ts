// TLS clients for side-by-side tests: `openssl s_client` (what it negotiated: protocol, cipher, ALPN, the peer's
// subject, whether the session was reused, the HTTP answer after the handshake) and `curl` over https. Both run as
// child processes with a timeout; traffic to 127.0.0.1 only. Test-runner thread.

import { spawn } from 'node:child_process';

export interface SClientResult {
  /** s_client's exit status (null when killed at the timeout). */
  readonly code: number | null;
  readonly out: string;
  /** `subject=CN = a.example` → 'a.example' (undefined: no certificate seen, the handshake failed). */
  readonly subjectCn: string | undefined;
  /** 'TLSv1.3', … as negotiated; undefined when the handshake failed. */
  readonly protocol: string | undefined;
  readonly cipher: string | undefined;
  /** The ALPN protocol agreed, undefined when none. */
  readonly alpn: string | undefined;
  /** True for `Reused, TLSv1.x` (a resumed session), false for `New, …`. */
  readonly reused: boolean;
  /** The HTTP status line the server answered `send` with, if any came. */
  readonly statusLine: string | undefined;
}

/**
 * Runs `openssl s_client -connect 127.0.0.1:<port> <args>`, writes `send` once the handshake is done, and waits for
 * the server to close (`-ign_eof`), at most `timeoutMs`. Without `send` stdin closes at once (a handshake probe).
 */
export function sClient(port: number, args: readonly string[], send?: string, timeoutMs = 10_000): Promise<SClientResult> {
  return new Promise((resolve) => {
    const argv = ['s_client', '-connect', `127.0.0.1:${port}`, ...(send === undefined ? [] : ['-ign_eof']), ...args];
    const child = spawn('openssl', argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('latin1')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const m = (re: RegExp): string | undefined => re.exec(out)?.[1];
      const proto = /^(New|Reused), (TLSv[\d.]+), Cipher is (\S+)/m.exec(out);
      const alpn = m(/^ALPN protocol: (\S+)/m);
      resolve({
        code,
        out,
        subjectCn: m(/^subject=.*?CN ?= ?([^,\n/]+)/m)?.trim(),
        protocol: proto?.[3] === '(NONE)' ? undefined : proto?.[2],
        cipher: proto?.[3] === '(NONE)' ? undefined : proto?.[3],
        alpn,
        reused: proto?.[1] === 'Reused',
        statusLine: m(/(HTTP\/1\.[01] \d{3}[^\r\n]*)/),
      });
    });
    child.stdin.on('error', () => undefined);
    if (send === undefined) child.stdin.end();
    else {
      // The request follows the handshake: s_client reads stdin only once connected.
      child.stdin.write(send);
      child.stdin.end();
    }
  });
}

export interface CurlResult {
  readonly code: number | null;
  /** HTTP status, 0 when no answer came (curl failed: see stderr). */
  readonly status: number;
  readonly body: string;
  readonly stderr: string;
}

/**
 * `curl -sS https://<host>:<port><path>` with `host` resolved to 127.0.0.1 (so SNI and the name check use it),
 * trusting `caFile`; `extra` adds flags (client certificate, --http1.1, -H …).
 */
export function curlHttps(host: string, port: number, path: string, caFile: string, extra: readonly string[] = [], timeoutMs = 10_000): Promise<CurlResult> {
  return new Promise((resolve) => {
    const argv = ['-sS', '--max-time', String(Math.ceil(timeoutMs / 1000)), '--resolve', `${host}:${port}:127.0.0.1`, '--cacert', caFile,
      '-o', '-', '-w', '\n%{http_code}', ...extra, `https://${host}:${port}${path}`];
    const child = spawn('curl', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.on('close', (code) => {
      const cut = out.lastIndexOf('\n');
      resolve({ code, status: Number(out.slice(cut + 1)) || 0, body: out.slice(0, Math.max(0, cut)), stderr: err });
    });
  });
}
