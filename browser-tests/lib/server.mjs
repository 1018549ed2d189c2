// A tiny static file server for the built site, bound to 127.0.0.1 on a free
// port. It can add a Content-Security-Policy header to every response, and it
// records each request so the tests can see what the pages asked for.
import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/**
 * Serves `root` on 127.0.0.1. Returns { origin, url(path), requests, close() }.
 * `csp`, when given, is sent as the Content-Security-Policy header.
 */
export async function serve(root, { csp } = {}) {
  const base = path.resolve(root);
  const requests = [];
  const server = http.createServer(async (req, res) => {
    const entry = { method: req.method, url: req.url, status: 0 };
    requests.push(entry);
    const send = (status, body, type = 'text/plain; charset=utf-8') => {
      entry.status = status;
      const headers = { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
      if (csp) headers['Content-Security-Policy'] = csp;
      res.writeHead(status, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
      let pathname = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
      if (pathname.endsWith('/')) pathname += 'index.html';
      const file = path.resolve(base, '.' + pathname);
      if (file !== base && !file.startsWith(base + path.sep)) return send(403, 'forbidden\n');
      let stat = await fs.stat(file).catch(() => null);
      if (stat && stat.isDirectory()) {
        res.writeHead(301, { Location: pathname + '/' });
        entry.status = 301;
        return res.end();
      }
      if (!stat || !stat.isFile()) return send(404, 'not found\n');
      const body = await fs.readFile(file);
      send(200, body, TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream');
    } catch (error) {
      send(500, `server error: ${error.message}\n`);
    }
  });
  // Keep-alive sockets would hold close() open; they are short-lived here.
  server.keepAliveTimeout = 1000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    requests,
    url: (relative = '') => `${origin}/${relative.replace(/^\//, '')}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
