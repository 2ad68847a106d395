// The possible-emergency prompt (issue #16): a danger described by its circumstances, with no
// trigger word, is shown under the request text with its reason, and one key (Alt+E) confirms it —
// urgency, category and disposition as the emergency decision proposes. A hypothetical danger is
// not prompted.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { demo, startDemo, stopDemo, withPage, shot, text, login, fileCitizenRequest } from './harness.mjs';

before(startDemo);
after(stopDemo);

test('a danger told by its circumstances prompts "possible emergency" with the reason, and Alt+E confirms it', { timeout: 30000 }, async () => {
  await withPage('emergency-prompt', async (page) => {
    await login(page, 'operator');
    await page.goto(`${demo.base}/intake`);
    assert.ok(await page.locator('#emergency-prompt').isHidden(), 'no prompt before anything is typed');
    await page.fill('#description', '河边冰面上有几个小孩在玩，冰都快化了');
    await page.locator('#emergency-prompt').waitFor({ state: 'visible', timeout: 5000 });
    const prompt = await text(page, '#emergency-prompt');
    assert.match(prompt, /可能紧急|紧急/, prompt);
    assert.match(prompt, /孩子或老人身处险境/, 'the reason is shown');
    assert.match(prompt, /Alt\+E/);
    await shot(page, 'emergency-prompt');
    await page.keyboard.press('Alt+e');
    assert.equal(await page.locator('#urgency').inputValue(), 'emergency', 'urgency set to emergency');
    assert.ok(await page.locator('input[name=disposition][value=transfer]').isChecked(), 'the transfer is chosen');
    assert.equal(await page.locator('#service').inputValue(), '110');
    assert.ok(await page.locator('#emergency-confirm').isDisabled(), 'confirmed once');
    await shot(page, 'emergency-confirmed');
  });
});

test('a hypothetical danger is not prompted as an emergency', { timeout: 30000 }, async () => {
  await withPage('emergency-hypothetical', async (page) => {
    await login(page, 'operator');
    await page.goto(`${demo.base}/intake`);
    await page.fill('#description', '楼道里堆满纸箱，万一着火怎么办');
    await page.locator('#triage-body').waitFor({ state: 'visible', timeout: 5000 });
    assert.ok(await page.locator('#emergency-prompt').isHidden(), 'no prompt for "what if"');
    assert.notEqual(await text(page, '#triage-urgency .chip.best'), '', 'suggestions are shown');
    await shot(page, 'emergency-hypothetical');
  });
});

test('a web-form order describing a danger shows the prompt on the order page, and confirming sets urgency and category', { timeout: 60000 }, async () => {
  let number;
  await withPage('emergency-web-citizen', async (page) => {
    number = await fileCitizenRequest(page, {
      description: '河边冰面上有几个小孩在玩，冰都快化了，没有大人管',
      district: '朝阳区',
      address: '朝阳公园南门外河边',
      phone: '13911115555',
    });
  });
  await withPage('emergency-web-order', async (page) => {
    await login(page, 'supervisor');
    await page.goto(`${demo.base}/orders/${number}`);
    const prompt = page.locator('#order-emergency-prompt');
    assert.equal(await prompt.count(), 1, 'the prompt is on the order page');
    assert.match(await prompt.innerText(), /可能紧急|紧急/);
    assert.match(await prompt.innerText(), /孩子或老人身处险境/, 'with its reason');
    await page.click('#order-emergency-confirm');
    assert.equal(await page.locator('#t-urgency').inputValue(), 'emergency');
    assert.notEqual(await page.locator('#t-category').inputValue(), '');
    await shot(page, 'emergency-web-order');
  });
});
