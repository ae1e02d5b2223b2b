import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';

/** The page's files, served from the package (`public/` beside this module): nothing from other origins. */
const ASSETS: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

/** Reads the page's files once, on first use. */
export class StaticAssets {
  readonly #files = new Map<string, Promise<Buffer>>();
  readonly #directory: URL;

  constructor(directory = new URL('./public/', import.meta.url)) {
    this.#directory = directory;
  }

  /** True when `name` is one of the page's files. */
  has(name: string): boolean {
    return Object.hasOwn(ASSETS, name);
  }

  async send(res: ServerResponse, name: string): Promise<void> {
    let file = this.#files.get(name);
    if (!file) {
      file = readFile(new URL(name, this.#directory));
      this.#files.set(name, file);
      file.catch(() => this.#files.delete(name));
    }
    const body = await file;
    res.statusCode = 200;
    res.setHeader('Content-Type', ASSETS[name]!);
    res.setHeader('Content-Length', body.length);
    res.setHeader('Cache-Control', name === 'index.html' ? 'no-store' : 'no-cache');
    res.end(body);
  }
}
