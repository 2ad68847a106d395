// The browser tests' harness: the real `hotline demo` binary on a fresh SQLite file, driven by
// headless Chromium through playwright-core (no bundled browser: Debian's /usr/bin/chromium).
//
// Every page a test visits (through `page.goto` or `navigate`) is saved as a full-page screenshot
// in artifacts/screenshots/ and checked for controls without a visible, associated label; a test
// fails if any page it visited has one.
//
// Environment: HOTLINE_BIN (default $CARGO_TARGET_DIR/debug/hotline, else /work/target/debug/hotline),
// CHROMIUM (default /usr/bin/chromium).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
export const shots = path.join(repoRoot, 'artifacts', 'screenshots');
const bin = process.env.HOTLINE_BIN || path.join(process.env.CARGO_TARGET_DIR || '/work/target', 'debug', 'hotline');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const PASSWORD = 'hotline-demo';

/** The running demo: `base` is its URL. */
export const demo = { base: '', server: null, log: '', browser: null, workDir: null };

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitHealthy(url, ms) {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    if (demo.server.exitCode !== null || demo.server.signalCode !== null) {
      throw new Error(`hotline exited early (${demo.server.exitCode ?? demo.server.signalCode}):\n${demo.log}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = String(e.cause?.code || e.message);
    }
    await sleep(100);
  }
  throw new Error(`hotline not healthy after ${ms} ms (${last}):\n${demo.log}`);
}

/**
 * Starts the demo server and the browser (call from `before`); `env` adds to the server's
 * environment, `history` replaces the short generated history's flags.
 */
export async function startDemo({ env = {}, history = ['--history-days', '45', '--per-day', '40'] } = {}) {
  assert.ok(existsSync(bin), `hotline binary not found at ${bin}; build it with: cargo build -p hotline (or set HOTLINE_BIN)`);
  await mkdir(shots, { recursive: true });
  demo.workDir = await mkdtemp(path.join(tmpdir(), 'hotline-browser-'));
  const port = await freePort();
  demo.base = `http://127.0.0.1:${port}`;
  demo.server = spawn(bin, ['demo', '--listen', `127.0.0.1:${port}`, '--database', `sqlite://${path.join(demo.workDir, 'hotline.db')}?mode=rwc`, '--orders', '40',
    // A short history (the analytics pages need one; the full 18 months is the demo's default).
    ...history], {
    cwd: demo.workDir, // so no ./hotline.toml of the developer's is picked up
    env: { ...process.env, HOTLINE_ARGON2_MEMORY_KIB: '1024', HOTLINE_ARGON2_ITERATIONS: '1', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk) => { demo.log = (demo.log + chunk.toString()).slice(-20000); };
  demo.server.stdout.on('data', keep);
  demo.server.stderr.on('data', keep);
  const [, launched] = await Promise.all([
    waitHealthy(`${demo.base}/healthz`, 90000),
    chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true }),
  ]);
  demo.browser = launched;
}

function stopServer() {
  const child = demo.server;
  demo.server = null;
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => { clearTimeout(kill); resolve(); });
    child.kill('SIGTERM');
  });
}

/** Stops the browser and the server (call from `after`). */
export async function stopDemo() {
  try {
    if (demo.browser) await demo.browser.close();
  } finally {
    demo.browser = null;
    await stopServer();
    if (demo.workDir) await rm(demo.workDir, { recursive: true, force: true });
  }
}

// If the runner itself dies, do not leave the server behind.
process.on('exit', () => { if (demo.server && demo.server.exitCode === null) demo.server.kill('SIGKILL'); });

/**
 * Controls a person fills in that have no visible, associated label: a `<label for>` or an
 * enclosing `<label>` with visible text (a fieldset's legend names a group of radios or boxes
 * whose own labels wrap them). Hidden inputs, buttons and controls not displayed are not asked.
 */
export async function unlabelledControls(page) {
  return page.evaluate(() => {
    // Inside a closed <details> (but for its summary) nothing is shown, whatever its box says.
    const folded = (el) => { const d = el.closest('details'); return !!d && !d.open && !el.closest('summary'); };
    const visible = (el) => {
      const r = el.getBoundingClientRect();
      const st = getComputedStyle(el);
      return !folded(el) && r.width > 0 && r.height > 0 && st.visibility !== 'hidden' && st.display !== 'none';
    };
    const out = [];
    for (const el of document.querySelectorAll('input, select, textarea')) {
      const type = (el.getAttribute('type') || '').toLowerCase();
      if (['hidden', 'submit', 'button', 'reset', 'image'].includes(type)) continue;
      if (!visible(el)) continue;
      const named = Array.from(el.labels || []).some((l) => visible(l) && l.textContent.trim().length > 0);
      if (!named) out.push(`${el.tagName.toLowerCase()}[name=${el.getAttribute('name') || ''}]#${el.id || ''}`);
    }
    return out;
  });
}

const slug = (url) => {
  const u = new URL(url);
  return (u.pathname.replace(/^\/+|\/+$/g, '').replace(/[^a-zA-Z0-9]+/g, '_') || 'home').slice(0, 60);
};

/**
 * Runs `fn` with a fresh page (own cookies). Each page it visits is photographed and checked for
 * unlabelled controls; on failure a screenshot of where it stopped is saved too.
 */
export async function withPage(name, fn, { viewport = { width: 1280, height: 900 }, locale = 'zh-CN' } = {}) {
  const context = await demo.browser.newContext({ viewport, locale });
  context.setDefaultTimeout(10000);
  const page = await context.newPage();
  const errors = [];
  const unlabelled = [];
  let seq = 0;
  page.on('pageerror', (e) => errors.push(String(e)));
  page.visited = async () => {
    seq += 1;
    const file = `${name}--${String(seq).padStart(2, '0')}-${slug(page.url())}.png`;
    await page.screenshot({ path: path.join(shots, file), fullPage: true });
    for (const c of await unlabelledControls(page)) unlabelled.push(`${new URL(page.url()).pathname}: ${c}`);
  };
  const goto = page.goto.bind(page);
  page.goto = async (...args) => {
    const res = await goto(...args);
    await page.visited();
    return res;
  };
  try {
    await fn(page);
    assert.deepEqual(errors, [], 'no JavaScript errors on the pages');
    assert.deepEqual([...new Set(unlabelled)], [], 'every control on the pages visited has a visible, associated label');
  } catch (e) {
    await page.screenshot({ path: path.join(shots, `FAILED-${name}.png`), fullPage: true }).catch(() => {});
    if (demo.log) e.message += `\n--- last server output ---\n${demo.log.slice(-3000)}`;
    throw e;
  } finally {
    await context.close();
  }
}

/** A named screenshot of the page as it is now (beside the automatic one of each page visited). */
export const shot = (page, name) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

/** Performs `action` (a click that submits a form or follows a link) and waits for the new page to load. */
export async function navigate(page, action) {
  const committed = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() });
  await action();
  await committed;
  await page.waitForLoadState('load');
  if (page.visited) await page.visited();
}

export const text = (page, selector = 'body') => page.locator(selector).innerText();

export async function login(page, username) {
  await page.goto(`${demo.base}/login`);
  await page.fill('#username', username);
  await page.fill('#password', PASSWORD);
  await navigate(page, () => page.click('#login-submit'));
  assert.ok(!new URL(page.url()).pathname.startsWith('/login'), `${username} logged in (still on ${page.url()})`);
}

export async function logout(page) {
  await navigate(page, () => page.click('form[action="/logout"] button'));
  assert.equal(new URL(page.url()).pathname, '/login');
}

/** Fills the intake form (as the operator, on /intake) for an illegal-parking complaint dispatched to 望京街道. */
export async function fillIntake(page, { phone, description }) {
  await page.fill('#phone', phone);
  await page.fill('#description', description);
  await page.selectOption('#district', { label: '朝阳区' });
  await page.selectOption('#street', { label: '望京街道' });
  await page.fill('#address', '望京西路 8 号');
  await page.selectOption('#nature', 'complaint');
  await page.selectOption('#category', 'TRF/illegal_parking');
  await page.selectOption('#urgency', 'general');
  await page.check('input[name=disposition][value=dispatch]');
  // The unit picker: typing in the filter box selects the first unit that matches.
  await page.fill('[data-filter-for=main_unit]', '望京街道');
  const chosen = await page.locator('#main_unit').evaluate((s) => s.options[s.selectedIndex]?.text ?? '');
  assert.equal(chosen, '朝阳区 / 望京街道', 'the filter box picks 望京街道 as the main unit');
}

/** Files an order through the intake page and returns its number; leaves the page on the order. */
export async function fileOrder(page, fields) {
  await page.goto(`${demo.base}/intake`);
  await fillIntake(page, fields);
  await navigate(page, () => page.click('#intake-submit'));
  const m = new URL(page.url()).pathname.match(/^\/orders\/([^/]+)$/);
  assert.ok(m, `landed on an order page, got ${page.url()}`);
  return decodeURIComponent(m[1]);
}

/** Files a request through the citizen's web form (no login) and returns its receipt number. */
export async function fileCitizenRequest(page, { description, district, address, phone }) {
  await page.goto(`${demo.base}/citizen`);
  await page.fill('#c-description', description);
  await page.selectOption('#c-district', { label: district });
  await page.fill('#c-address', address);
  await page.fill('#c-phone', phone);
  await navigate(page, () => page.click('#citizen-submit'));
  return (await text(page, '#receipt-number')).trim();
}

/** Submits one of the action forms on an order page and checks the success flash. */
export async function act(page, action, fill) {
  const form = page.locator(`form#act-${action}`);
  await form.waitFor();
  if (fill) await fill(form);
  await navigate(page, () => form.locator('button[type=submit]').click());
  const flash = page.locator('.flash');
  assert.match(await flash.first().innerText(), /已完成/, `action ${action} succeeded: ${await text(page, 'main')}`);
  assert.equal(await page.locator('.flash.error').count(), 0);
}

export async function timelineActions(page) {
  return page.locator('table.timeline tbody tr td:nth-child(2)').allInnerTexts();
}

export function assertSubsequence(actual, expected, what) {
  let i = 0;
  for (const a of actual) if (i < expected.length && a.trim() === expected[i]) i++;
  assert.equal(i, expected.length, `${what}: expected ${JSON.stringify(expected)} in this order within ${JSON.stringify(actual)}`);
}

/** Local Beijing time `hours` from now, as a `datetime-local` value. */
export const beijingLocal = (hours) => new Date(Date.now() + (8 + hours) * 3600e3).toISOString().slice(0, 16);

/** A JSON API client signed in as `username` (session cookie): `call(method, path, body)` answers `{ status, body }`. */
export async function apiAs(username) {
  const res = await fetch(`${demo.base}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }),
  });
  assert.equal(res.status, 200, `API login as ${username}`);
  const cookie = (res.headers.get('set-cookie') || '').split(';')[0];
  return async (method, path, body) => {
    const r = await fetch(`${demo.base}${path}`, {
      method, headers: { cookie, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: r.status, body: json ?? text };
  };
}
