// The dashboard page's static files (core/stats/dashboard/page/: HTML, JS modules, CSS; no build step), read once
// when a dashboard is attached and served from memory with their type, an ETag and a strict Content-Security-Policy.
// Stats thread.

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';

const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

/** Where the page lives: beside this module when copied there, else the source tree (dist/ holds compiled TS only). */
function pageDir(): string {
  const beside = fileURLToPath(new URL('./page/', import.meta.url));
  if (existsSync(beside)) return beside;
  return fileURLToPath(new URL('../../../../core/stats/dashboard/page/', import.meta.url));
}

interface PageFile {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

/** `&<>"'` escaped, for the base path written into the HTML. */
function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The page's files keyed by request path: `<base>` (and `<base>/`) → index.html with `{{BASE}}` replaced by the
 * escaped base path, `<base>/<name>` → each other file. Reads the files synchronously (once per attach); throws
 * when the page directory is missing (an install without core/stats/dashboard/page/).
 */
export function loadPageFiles(base: string): ReadonlyMap<string, PageFile> {
  const dir = pageDir();
  const files = new Map<string, PageFile>();
  for (const name of readdirSync(dir)) {
    const ext = name.slice(name.lastIndexOf('.') + 1);
    const type = TYPES[ext];
    if (type === undefined) continue;
    let body = readFileSync(dir + name);
    if (ext === 'html') body = Buffer.from(body.toString('utf8').replaceAll('{{BASE}}', escapeHtml(base)));
    const file = { body, type, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"` };
    if (name === 'index.html') {
      files.set(base, file);
      files.set(`${base}/`, file);
    } else {
      files.set(`${base}/${name}`, file);
    }
  }
  return files;
}

/**
 * The part of a request target the dashboard matches: the path without its query, or, when the stats URI itself
 * holds a `?` (HAProxy's default `stats uri` is `/haproxy?stats`), the whole target, since the dashboard's names then
 * live in the query (`/haproxy?stats;dashboard/app.js`).
 */
export function targetOf(req: IncomingMessage, base: string): string {
  const url = req.url ?? '';
  if (base.includes('?')) return url;
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

// The page draws only what its own scripts fetch from this origin; no inline script, no third-party anything.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Writes `file` (GET/HEAD; 304 on a matching If-None-Match) or 405 for any other method. Never throws. */
export function sendPageFile(req: IncomingMessage, res: ServerResponse, file: PageFile): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain', 'cache-control': 'no-cache' });
    res.end('405 Method Not Allowed\n');
    return;
  }
  const headers = {
    'content-type': file.type,
    'cache-control': 'no-cache',
    etag: file.etag,
    'x-content-type-options': 'nosniff',
    'content-security-policy': CSP,
  };
  if (req.headers['if-none-match'] === file.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': String(file.body.length) });
  res.end(req.method === 'HEAD' ? undefined : file.body);
}
