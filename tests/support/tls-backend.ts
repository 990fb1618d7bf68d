// A TLS server for tests of `server … ssl` (re-encryption) and TLS checks: node:tls on 127.0.0.1, port 0, answering
// HTTP/1.1 requests (200 with its name and the SNI it saw), or echoing raw bytes in `echo` mode; it counts full and
// resumed handshakes and remembers the SNI and ALPN of each. Test-runner thread.

import type net from 'node:net';
import tls from 'node:tls';
import type { CertFiles } from './tls-certs.js';

export interface TlsHandshake {
  readonly sni: string | false;
  readonly alpn: string | false;
  readonly resumed: boolean;
}

export interface TlsBackendOptions {
  readonly name?: string;
  /** Raw echo instead of HTTP answers. */
  readonly echo?: boolean;
  /** Close the connection (no close_notify) at the first bytes received, after a good handshake. */
  readonly closeOnData?: boolean;
  readonly alpn?: readonly string[];
  /** Client certificates: required and checked against this CA. */
  readonly clientCa?: string;
}

export class TlsBackend {
  readonly handshakes: TlsHandshake[] = [];
  /** Client certificate subjects seen (CN), for `crt`. */
  readonly clientNames: string[] = [];
  private readonly server: tls.Server;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  private constructor(cert: CertFiles, options: TlsBackendOptions) {
    const name = options.name ?? 'tls';
    this.server = tls.createServer({
      cert: cert.certText,
      key: cert.keyText,
      ...(options.alpn === undefined ? {} : { ALPNProtocols: [...options.alpn] }),
      ...(options.clientCa === undefined ? {} : { ca: options.clientCa, requestCert: true, rejectUnauthorized: true }),
    }, (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => undefined);
      const peer = s.getPeerCertificate();
      if (peer.subject !== undefined) this.clientNames.push(String(peer.subject.CN));
      if (options.closeOnData === true) {
        s.on('data', () => s.destroy());
        return;
      }
      if (options.echo === true) {
        s.on('data', (d: Buffer) => s.write(d));
        s.on('end', () => s.end());
        return;
      }
      let pending = '';
      s.on('data', (d: Buffer) => {
        pending += d.toString('latin1');
        // One answer per complete head (bounded: the loop consumes a head each turn).
        for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
          pending = pending.slice(end + 4);
          const body = `${name} sni=${String(s.servername)}\n`;
          s.write(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
        }
      });
    });
    this.server.on('secureConnection', (s) => {
      this.handshakes.push({ sni: s.servername ?? false, alpn: s.alpnProtocol ?? false, resumed: s.isSessionReused() });
    });
    this.server.on('tlsClientError', () => undefined);
  }

  static async start(cert: CertFiles, options: TlsBackendOptions = {}): Promise<TlsBackend> {
    const b = new TlsBackend(cert, options);
    await new Promise<void>((resolve) => b.server.listen(0, '127.0.0.1', resolve));
    b.port = (b.server.address() as net.AddressInfo).port;
    return b;
  }

  resumedCount(): number {
    return this.handshakes.filter((h) => h.resumed).length;
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
