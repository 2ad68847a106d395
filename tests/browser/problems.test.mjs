// 每月一题 (issue #15): the supervisor reads the month's candidates with their evidence, adopts
// one, and its page tracks its months and the 30/90/180 days before and after adoption; the
// candidates page then lists it as adopted. Operators read the candidates without the adopt button.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { demo, startDemo, stopDemo, withPage, shot, text, login, navigate } from './harness.mjs';

// Thirteen months of history at 300 calls a day, so months can run above expectation.
before(() => startDemo({ history: ['--history-days', '400', '--per-day', '300'] }));
after(stopDemo);

test('a supervisor adopts a candidate of the month and its page tracks it before and after', { timeout: 90000 }, async () => {
  await withPage('problems-supervisor', async (page) => {
    await login(page, 'supervisor');
    await page.goto(`${demo.base}/problems`);
    assert.match(await text(page, 'h1'), /每月一题/);
    const rows = page.locator('#candidates tbody tr[data-rank]');
    assert.ok(await rows.count() > 0, `the demo's history has candidates:\n${await text(page)}`);
    const first = rows.first();
    const key = await first.getAttribute('data-key');
    assert.match(await text(page, '#candidates'), /依据|重复来电|不满意/, 'each candidate shows its evidence');
    assert.match(await text(page, '#adopted-problems'), /尚未确定/);
    await shot(page, 'problems-candidates');

    await navigate(page, () => page.locator(`tr.evidence-row[data-key="${key}"] form.adopt button`).click());
    assert.match(page.url(), /\/problems\/adopted\/\d+$/, await text(page));
    assert.match(await text(page, '#problem-title'), /推进中/);
    assert.equal(await page.locator('#problem-windows tbody tr').count(), 3, '30, 90 and 180 days');
    assert.ok(await page.locator('#problem-months tbody tr').count() >= 6, 'the months before adoption are tracked');
    await shot(page, 'problem-adopted');

    await page.goto(`${demo.base}/problems`);
    assert.equal(await page.locator('#adopted-problems tr[data-problem]').count(), 1, 'listed as adopted');
    // Adopting the same theme again while it is open is refused with a reason.
    await navigate(page, () => page.locator(`tr.evidence-row[data-key="${key}"] form.adopt button`).click());
    assert.match(await text(page), /已确定为每月一题/);
  });
  await withPage('problems-operator', async (page) => {
    await login(page, 'operator');
    await page.goto(`${demo.base}/problems`);
    assert.ok(await page.locator('#candidates tbody tr[data-rank]').count() > 0, 'operators read the candidates');
    assert.equal(await page.locator('form.adopt').count(), 0, 'only supervisors adopt');
  });
});
