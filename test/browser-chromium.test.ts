import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopConformanceChecks } from '../src/testing.js';
import { BrowserLoop } from '../src/browser.js';

/**
 * anyloop/browser in a real headless Chromium (Debian's chromium package,
 * installed by .ci/run): the built dist/ modules, served from localhost with
 * an import map naming them as the package does. The timeouts only guard
 * against a hang; nothing here measures time.
 */
const root = resolve(import.meta.dirname, '..');
const CHROMIUM = '/usr/bin/chromium';
const SLOW = 120_000;
const SERVED = ['dist/', 'test/fixtures/browser/'];
const IMPORTS = { 'anyloop': '/dist/index.js', 'anyloop/testing': '/dist/testing.js', 'anyloop/browser': '/dist/browser.js' };

/** The page for a fixture script: the import map, a log list, a button. */
function page(script: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>anyloop/browser: ${script}</title>
<script type="importmap">${JSON.stringify({ imports: IMPORTS })}</script></head>
<body><button id="button">click me</button><ol id="consumed"></ol>
<script type="module" src="/test/fixtures/browser/${script}.js"></script></body></html>`;
}

function serve(): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname)).slice(1);
    const html = /^(\w+)\.html$/.exec(path);
    if (html !== null) {
      res.writeHead(200, { 'content-type': 'text/html' }).end(page(html[1]!));
    } else if (SERVED.some((dir) => path.startsWith(dir)) && existsSync(join(root, path))) {
      const type = extname(path) === '.js' ? 'text/javascript' : 'text/plain';
      res.writeHead(200, { 'content-type': type }).end(readFileSync(join(root, path)));
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

describe('anyloop/browser in headless Chromium', () => {
  const profile = mkdtempSync(join(tmpdir(), 'anyloop-chromium-'));
  let server: Server;
  let browser: BrowserContext;
  let base = '';
  const errors: string[] = [];

  async function open(script: string): Promise<Page> {
    const p = await browser.newPage();
    p.on('pageerror', (e) => errors.push(`${script}: ${e.message}`));
    p.on('console', (m) => { if (m.type() === 'error') errors.push(`${script}: ${m.text()}`); });
    await p.goto(`${base}/${script}.html`);
    return p;
  }

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
    server = await serve();
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, SLOW);

  afterAll(async () => {
    await browser?.close();
    server?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  // The page's state is read with expressions evaluated in the page (this file is compiled without the DOM's types).
  it('passes every check of the conformance kit', async () => {
    const p = await open('conformance');
    await p.waitForFunction('window.conformance !== undefined', undefined, { timeout: SLOW });
    const results = await p.evaluate('window.conformance') as { name: string; ok: boolean; message?: string }[];
    const expected = loopConformanceChecks({ makeLoop: () => new BrowserLoop(), dispose: (l) => l.close() }).map((c) => c.name);
    expect(results.map((r) => r.name)).toEqual(expected);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(errors).toEqual([]);
    await p.close();
  }, SLOW);

  it('runs a producer and a consumer task through a Queue, and the page shows the items', async () => {
    const p = await open('demo');
    await p.waitForFunction('window.demo.done === true', undefined, { timeout: SLOW });
    const demo = await p.evaluate('window.demo') as { produced: number[]; consumed: number[] };
    const items = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(demo.produced).toEqual(items);
    expect(demo.consumed).toEqual(items);
    expect(await p.locator('#consumed li').allTextContents()).toEqual(items.map((i) => `item ${i}`));
    expect(errors).toEqual([]);
    await p.close();
  }, SLOW);

  it('keeps painting frames and taking clicks while a task keeps the loop busy', async () => {
    const p = await open('demo');
    await p.evaluate('window.stopBusy = window.startBusy()');
    // Two animation frames and a real click (Playwright waits for the button to be painted and stable).
    await p.evaluate('new Promise((frame) => requestAnimationFrame(() => requestAnimationFrame(frame)))');
    await p.click('#button');
    const during = await p.evaluate('({ ...window.demo })') as { busyTurns: number; clicks: number };
    // The busy task is still running: the frames and the click came between its turns.
    await p.waitForFunction(`window.demo.busyTurns > ${during.busyTurns}`, undefined, { timeout: SLOW });
    await p.evaluate('window.stopBusy()');
    expect(during.clicks).toBe(1);
    expect(during.busyTurns).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await p.close();
  }, SLOW);
});
