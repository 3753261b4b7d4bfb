import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

// The web pages (built by `npm run build` into web/dist) served by the platform itself at `/`.
// Any other GET that is not an API path gets index.html, so the pages' own routes load directly.

/** web/dist beside package.json, from src/ (tsx) and from dist/src/ (built) alike. */
export function defaultWebDir(): string {
  let dir = import.meta.dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) return path.join(import.meta.dirname, 'web', 'dist');
    dir = up;
  }
  return path.join(dir, 'web', 'dist');
}

export async function serveWeb(app: FastifyInstance, dir: string | undefined): Promise<void> {
  const root = dir ?? defaultWebDir();
  const index = path.join(root, 'index.html');
  if (!fs.existsSync(index)) return;
  await app.register(fastifyStatic, { root, prefix: '/', wildcard: false, index: ['index.html'] });
  app.setNotFoundHandler((req, reply) => {
    const url = req.url.split('?')[0]!;
    if (req.method !== 'GET' || url.startsWith('/api/') || url.startsWith('/gateway') || path.extname(url) !== '') {
      return reply.status(404).send({ error: 'not_found', message: `没有这个地址 / no such path: ${url}` });
    }
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').sendFile('index.html');
  });
}
