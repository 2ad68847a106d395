// Browser tests of the analytics pages (issue #14): every view draws its charts and tables, a
// question in Chinese or English is read into chips with the words not understood shown, a figure
// leads to the orders behind it through a search without words, the CSV downloads, a unit sees
// only its own orders with small numbers hidden, and the overview fits a phone.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { demo, startDemo, stopDemo, withPage, navigate, text, login } from './harness.mjs';

before(startDemo);
after(stopDemo);

test('every analytics view draws its figures for an analyst', { timeout: 120000 }, async () => {
  await withPage('analytics-views', async (page) => {
    await login(page, 'analyst');
    await page.goto(`${demo.base}/analytics`);
    assert.match(await text(page, '#overview-volume'), /本月/);
    assert.ok(await page.locator('#overview-rates .tile').count() === 3, 'the three rates');
    for (const [view, selector] of [['trend', 'svg.lines'], ['where', 'svg.map'], ['what', '#what-categories svg.bars'], ['who', '#who-age_group svg.bars'], ['units', '#units-table tbody tr']]) {
      await page.goto(`${demo.base}/analytics?view=${view}`);
      assert.ok(await page.locator(selector).count() > 0, `${view} shows ${selector}`);
    }
    // Going down the category tree: a first-level category, then its second level.
    await page.goto(`${demo.base}/analytics?view=what`);
    await navigate(page, () => page.locator('ul.drill a').first().click());
    assert.match(page.url(), /category=[A-Z]+/);
    assert.ok(await page.locator('#what-table tbody tr').count() > 0, 'the second level is listed');
  });
});

test('a question is read into removable chips and its figure leads to the orders behind it', { timeout: 120000 }, async () => {
  await withPage('analytics-ask', async (page) => {
    await login(page, 'analyst');
    await page.goto(`${demo.base}/analytics`);
    await page.fill('#ask-q', '上个月哪个区来电最多');
    await navigate(page, () => page.locator('#ask-form button[type=submit]').click());
    const chips = await text(page, '#ask-reading');
    assert.match(chips, /按区/);
    assert.equal(await page.locator('#query-table tbody tr').count(), 1, 'the one district that had the most');
    const district = (await page.locator('#query-table tbody tr td').first().innerText()).trim();
    assert.match(district, /区$/);
    // The number links to those orders: a search with filters and no words.
    await navigate(page, () => page.locator('#query-table tbody tr td.num a').first().click());
    assert.match(page.url(), /\/search\?/);
    // The search index follows the store in the background: give it a moment after the demo loads.
    for (let i = 0; i < 20 && !/[1-9]/.test(await text(page, '#search-total')); i++) {
      await new Promise((r) => setTimeout(r, 1000));
      await page.goto(page.url());
    }
    assert.match(await text(page, '#search-total'), /[1-9]/, 'the orders behind the figure are listed');
    // A chip removed widens the query.
    await page.goto(`${demo.base}/analytics`);
    await page.fill('#ask-q', 'Which district had the most complaints last month, as a pie chart');
    await navigate(page, () => page.locator('#ask-form button[type=submit]').click());
    assert.match(await text(page, '#ask-unparsed'), /pie chart/);
    const before = await text(page, '#ask-reading');
    await navigate(page, () => page.locator('#ask-reading a.chip', { hasText: '投诉' }).click());
    assert.doesNotMatch(await text(page, '#ask-reading'), /投诉/, `${before} without the nature`);
  });
});

test('a view downloads as CSV and the page keeps its filters in the address', { timeout: 60000 }, async () => {
  await withPage('analytics-csv', async (page) => {
    await login(page, 'supervisor');
    await page.goto(`${demo.base}/analytics?view=who&age_group=senior`);
    const href = await page.locator('#who-channel a[download]').getAttribute('href');
    const res = await page.request.get(`${demo.base}${href}`);
    assert.equal(res.status(), 200);
    assert.match(res.headers()['content-type'], /text\/csv/);
    const body = await res.text();
    assert.match(body, /^\ufeff?channel,channel_name,value,orders/);
    assert.match(body, /phone/);
    assert.match(await page.locator('#permalink').getAttribute('href'), /age_group=senior/);
  });
});

test('a unit sees only its own orders, small numbers hidden', { timeout: 60000 }, async () => {
  await withPage('analytics-unit', async (page) => {
    await login(page, 'wangjing');
    await page.goto(`${demo.base}/analytics?view=who`);
    assert.match(await text(page, 'main'), /只统计本单位/);
  });
});

test('the overview fits a phone', { timeout: 60000 }, async () => {
  await withPage('analytics-phone', async (page) => {
    await login(page, 'analyst');
    await page.goto(`${demo.base}/analytics`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `no sideways scrolling (${overflow}px)`);
  }, { viewport: { width: 390, height: 844 } });
});
