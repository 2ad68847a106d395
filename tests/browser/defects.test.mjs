// Browser tests of the defects new users met (issue #12), each written to fail on the pages as they
// were and pass as they are now: ratings that defaulted to the best answer, answering from an
// article, suggestion percentages, the dispute form past its window, the citizen pages on a phone,
// errors that showed internals, the 404 page, the first deadline version's date, and triage help
// for orders that arrived by the web form. Unlabelled controls are caught on every page visited
// (harness.mjs).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { demo, startDemo, stopDemo, withPage, shot, navigate, text, login, fileOrder, fileCitizenRequest, act } from './harness.mjs';

before(startDemo);
after(stopDemo);

/** An order the unit has replied to, waiting for its callback; returns its number. */
async function repliedOrder(phone, description) {
  let number;
  await withPage('defects-replied-operator', async (page) => {
    await login(page, 'operator');
    number = await fileOrder(page, { phone, description });
  });
  await withPage('defects-replied-unit', async (page) => {
    await login(page, 'wangjing');
    await page.goto(`${demo.base}/orders/${number}`);
    await act(page, 'sign');
    await act(page, 'contact', (f) => f.locator('input[name=note]').fill('已电话联系'));
    await act(page, 'reply', async (f) => {
      await f.locator('select[name=outcome]').selectOption('resolved');
      await f.locator('textarea[name=text]').fill('已清理，诉求人表示认可。');
    });
  });
  return number;
}

/** Submits a form with the browser's own checks switched off, as a careless or scripted client would. */
async function submitUnchecked(page, formSelector) {
  await page.locator(formSelector).evaluate((f) => { f.noValidate = true; });
  await navigate(page, () => page.locator(`${formSelector} button[type=submit]`).click());
}

test('1. a callback offers no preselected answer, refuses a submit without choices, and shows the request, the phone and a script', { timeout: 60000 }, async () => {
  const phone = '13911112222';
  const number = await repliedOrder(phone, '望京西路 9 号院门口垃圾桶满溢，异味很大。');
  await withPage('defects-callback', async (page) => {
    await login(page, 'callback');
    // The queue row carries what the agent needs to call: the request and the number.
    const row = page.locator('#callback-queue tr', { has: page.locator(`a[href="/orders/${number}"]`) });
    assert.match(await row.innerText(), /垃圾桶满溢/, 'the request text is in the row');
    assert.match(await row.locator('td.phone').innerText(), new RegExp(phone), 'the phone is in the row for the callback agent');
    await navigate(page, () => row.locator(`a[href="/orders/${number}"]`).click());
    const form = page.locator('form#act-evaluate');
    assert.equal(await form.locator('input[type=radio]:checked').count(), 0, 'no answer is preselected');
    assert.equal(await form.locator('input[type=checkbox]:checked').count(), 0);
    assert.match(await text(page, '#callback-script'), /12345[\s\S]*垃圾桶满溢[\s\S]*是否联系过您/, 'a callback script is shown');
    await shot(page, 'defects-callback-form');
    await submitUnchecked(page, 'form#act-evaluate');
    assert.match(await text(page, '.flash.error'), /请选择承办单位是否联系过诉求人/);
    assert.equal((await text(page, 'h1 .badge.state')).trim(), '已反馈', 'nothing was recorded');
    // The same refusal in English.
    await page.goto(`${demo.base}/lang/en?back=/orders/${number}`);
    await submitUnchecked(page, 'form#act-evaluate');
    assert.match(await text(page, '.flash.error'), /Choose whether the unit contacted the requester/);
    // Choosing every answer records the callback.
    await page.goto(`${demo.base}/lang/zh?back=/orders/${number}`);
    await page.check('form#act-evaluate input[name=contacted][value=yes]');
    await page.check('form#act-evaluate input[name=resolution][value=resolved]');
    await page.check('form#act-evaluate input[name=satisfaction][value=basic]');
    await navigate(page, () => page.locator('form#act-evaluate button[type=submit]').click());
    assert.match(await text(page, '.flash.ok'), /已完成/);
  });
});

test('1. the citizen\'s rating page preselects nothing and refuses a submit without answers, in both languages', { timeout: 60000 }, async () => {
  const phone = '13911113333';
  const number = await repliedOrder(phone, '望京西路 10 号楼下路灯不亮。');
  await withPage('defects-rating', async (page) => {
    await page.goto(`${demo.base}/track`);
    await page.fill('#t-number', number);
    await page.fill('#t-phone', phone);
    await navigate(page, () => page.click('#track-submit'));
    await navigate(page, () => page.click('#rate-link'));
    assert.equal(await page.locator('#rate-form input[type=radio]:checked').count(), 0, 'no answer is preselected');
    assert.equal(await page.locator('#rate-form input[type=checkbox]:checked').count(), 0);
    await shot(page, 'defects-rating-form');
    const rateUrl = page.url();
    await submitUnchecked(page, '#rate-form');
    assert.match(await text(page, '.flash.error'), /请选择承办单位是否联系过诉求人/);
    await page.goto(`${demo.base}/lang/en?back=${encodeURIComponent(new URL(rateUrl).pathname + new URL(rateUrl).search)}`);
    await page.check('#rate-form input[name=contacted][value=yes]');
    await submitUnchecked(page, '#rate-form');
    assert.match(await text(page, '.flash.error'), /Choose the resolution/);
  });
});

test('2. answering from an article fills the category: one click and Ctrl+Enter close the consultation; after an error the article shows by title', { timeout: 60000 }, async () => {
  await withPage('defects-article', async (page) => {
    await login(page, 'operator');
    await page.goto(`${demo.base}/intake`);
    await page.fill('#phone', '13900003333');
    await page.fill('#description', '请问今年什么时候开始供暖？');
    await page.waitForSelector('#kb-suggestions li[data-slug="heating-season"]', { timeout: 8000 });
    assert.equal(await page.locator('#category').inputValue(), '', 'no category chosen by hand');
    await page.locator('#kb-suggestions li[data-slug="heating-season"] button.use-article').click();
    assert.match(await page.locator('#category').inputValue(), /^UTL\/heating/, 'the article\'s category is taken');
    // First an error (a bad phone): the page comes back with the article named by its title.
    await page.fill('#phone', '123');
    await navigate(page, () => page.locator('#description').press('Control+Enter'));
    assert.match(await text(page, '.flash.error'), /电话号码格式不正确/);
    assert.match(await text(page, '#answer-article-link'), /北京市供暖季/, 'the linked article shows by title');
    assert.doesNotMatch(await text(page, '#answer-article-link'), /heating-season/);
    await page.fill('#phone', '13900003333');
    await navigate(page, () => page.locator('#description').press('Control+Enter'));
    assert.match(new URL(page.url()).pathname, /^\/orders\/\d+$/, `filed: ${await text(page, 'main')}`);
    assert.match(await text(page, '.badge.state'), /直接答复/);
  });
});

test('4. each suggestion is one distribution: chips sorted, the first is the suggestion, at most 100% together', { timeout: 40000 }, async () => {
  await withPage('defects-chips', async (page) => {
    await login(page, 'operator');
    await page.goto(`${demo.base}/intake`);
    // A question: the consultation cue and the "answer" disposition are promoted over the model.
    await page.fill('#description', '请问暖气不热找哪个部门？');
    await page.waitForSelector('#triage-disposition .chip', { timeout: 8000 });
    for (const decision of ['nature', 'category', 'urgency', 'disposition']) {
      const chips = await page.locator(`#triage-${decision} .chip`).allInnerTexts();
      const ps = chips.map((c) => Number(c.match(/(\d+)%$/)[1]));
      assert.ok(ps.every((p, i) => i === 0 || p <= ps[i - 1]), `${decision}: sorted ${chips}`);
      assert.ok(ps.reduce((a, b) => a + b, 0) <= 102, `${decision}: at most 100% together (rounding aside): ${chips}`);
      assert.match(await page.locator(`#triage-${decision} .chip`).first().getAttribute('class'), /best/);
    }
    await shot(page, 'defects-chips');
  });
});

test('5. the dispute form is offered only within the window, with the deadline shown', { timeout: 60000 }, async () => {
  let fresh;
  await withPage('defects-dispute-operator', async (page) => {
    await login(page, 'operator');
    fresh = await fileOrder(page, { phone: '13900004444', description: '望京西路 12 号门前井盖松动，车辆经过声响很大。' });
  });
  await withPage('defects-dispute-unit', async (page) => {
    await login(page, 'wangjing');
    await page.goto(`${demo.base}/orders/${fresh}`);
    assert.equal(await page.locator('form#act-dispute').count(), 1, 'a fresh dispatch may be disputed');
    assert.match(await text(page, '#dispute-deadline'), /退单须在此前提出/);
    assert.match(await text(page, '#dispute-until'), /退单时限/);
    // The demo's orders signed long ago: past the 24-hour window, so no dispute form at all.
    const res = await page.request.get(`${demo.base}/api/v1/orders?state=signed,contacted,in_progress&limit=50`);
    const old = (await res.json()).orders.find((o) => Date.parse(o.dispatched_at) < Date.now() - 2 * 86400e3);
    assert.ok(old, 'the demo has an order dispatched days ago');
    await page.goto(`${demo.base}/orders/${old.number}`);
    assert.equal(await page.locator('form#act-dispute').count(), 0, 'no dispute form past the window');
    assert.ok(!old.allowed_actions.includes('dispute'), 'nor is it offered by the API');
  });
});

test('6. the citizen pages fit a phone: the header does not wrap a character per line', { timeout: 40000 }, async () => {
  for (const lang of ['zh', 'en']) {
    await withPage(`defects-phone-${lang}`, async (page) => {
      await page.goto(`${demo.base}/lang/${lang}?back=/citizen`);
      for (const path of ['/citizen', '/track', '/kb']) {
        await page.goto(`${demo.base}${path}`);
        const header = await page.locator('header.top').boundingBox();
        assert.ok(header.height <= 130, `${lang} ${path}: the header is ${header.height}px high`);
        for (const link of await page.locator('header.top nav a').all()) {
          const box = await link.boundingBox();
          assert.ok(box.height <= 40, `${lang} ${path}: a nav link wraps inside itself (${box.height}px): ${await link.innerText()}`);
        }
        assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), `${lang} ${path}: no sideways scrolling`);
        await shot(page, `defects-phone-${lang}-${path.slice(1)}`);
      }
    }, { viewport: { width: 390, height: 844 } });
  }
});

test('7. page errors are pages in the user\'s language with human field names; codes stay in the API', { timeout: 40000 }, async () => {
  await withPage('defects-errors', async (page) => {
    await login(page, 'supervisor');
    const res = await page.goto(`${demo.base}/queue?offset=abc`);
    assert.equal(res.status(), 400);
    assert.match(await text(page, '#error-page'), /页面地址中的参数格式不正确/);
    assert.doesNotMatch(await text(page, 'body'), /Failed to deserialize/);
    assert.match(await text(page, 'header'), /退出/, 'the navigation stays');
    await page.goto(`${demo.base}/lang/en?back=/queue`);
    await page.goto(`${demo.base}/queue?offset=abc`);
    assert.match(await text(page, '#error-page'), /wrong format/);
    await page.goto(`${demo.base}/lang/zh?back=/intake`);
    // A required field left empty is named as people name it.
    await page.fill('#phone', '13900005555');
    await page.locator('#description').evaluate((t) => { t.removeAttribute('required'); });
    await navigate(page, () => page.click('#intake-submit'));
    const error = await text(page, '.flash.error');
    assert.match(error, /请选择「主办单位」|请填写「诉求内容」/, `a human field name: ${error}`);
    assert.doesNotMatch(error, /\bdescription\b|main_unit|\btext\b/, `no field codes: ${error}`);
  });
  // The timeline names categories, not codes.
  await withPage('defects-history', async (page) => {
    await login(page, 'supervisor');
    const res = await page.request.get(`${demo.base}/api/v1/orders?state=dispatched,signed,replied&limit=5`);
    const order = (await res.json()).orders.find((o) => o.category);
    await page.goto(`${demo.base}/orders/${order.number}`);
    const details = (await page.locator('table.timeline tbody td:nth-child(5)').allInnerTexts()).join(' | ');
    assert.doesNotMatch(details, /[A-Z]{3}\/[a-z_]+/, `no category codes in the history: ${details}`);
  });
});

test('8. a signed-in user\'s 404 page keeps their navigation', { timeout: 20000 }, async () => {
  await withPage('defects-404', async (page) => {
    await login(page, 'operator');
    const res = await page.goto(`${demo.base}/no-such-page`);
    assert.equal(res.status(), 404);
    assert.match(await text(page, 'header'), /受理/);
    assert.match(await text(page, 'header'), /退出/);
    assert.match(await text(page, '#error-page'), /页面不存在/);
  });
});

test('9. the first deadline version shows when it was installed, not 1970', { timeout: 20000 }, async () => {
  await withPage('defects-policy', async (page) => {
    await login(page, 'admin');
    await page.goto(`${demo.base}/admin`);
    const versions = await text(page, '#policy-versions');
    assert.doesNotMatch(versions, /1970/);
    assert.match(versions, /v1 · 安装时起生效 20\d\d-/);
  });
});

test('11. an order from the web form gets the intake page\'s triage help, category filter and dispatch units', { timeout: 60000 }, async () => {
  let number;
  await withPage('defects-web-citizen', async (page) => {
    number = await fileCitizenRequest(page, {
      description: '望京街道阜通东大街小区暖气片不热，屋里只有十五度，老人孩子受不了。',
      district: '朝阳区',
      address: '望京街道阜通东大街 6 号院',
      phone: '13911114444',
    });
  });
  await withPage('defects-web-dispatcher', async (page) => {
    await login(page, 'supervisor');
    await page.goto(`${demo.base}/orders/${number}`);
    const help = page.locator('#order-triage-help');
    assert.equal(await help.count(), 1, 'the triage suggestions are shown');
    assert.ok(await help.locator('[data-fill=t-category]').count() >= 1);
    assert.equal(await page.locator('#t-category-filter').count(), 1, 'the category list has a filter');
    await page.fill('#t-category-filter', '暖气');
    assert.match(await page.locator('#t-category').inputValue(), /^UTL\/heating/, 'the filter picks a heating category');
    await page.click('#order-triage-accept');
    assert.match(await page.locator('#t-category').inputValue(), /^UTL\/heating/);
    assert.notEqual(await page.locator('#t-nature').inputValue(), '');
    await shot(page, 'defects-web-triage');
    await act(page, 'triage');
    // Dispatch: the catalogue's main unit and co-unit are filled in.
    const main = await page.locator('#d-main').evaluate((s) => s.selectedOptions[0]?.text ?? '');
    assert.match(main, /热力/, `the main unit from the catalogue: ${main}`);
    const co = await page.locator('#d-co').evaluate((s) => Array.from(s.selectedOptions).map((o) => o.text));
    assert.ok(co.some((t) => /望京街道/.test(t)), `the co-unit from the catalogue: ${co}`);
    assert.match(await text(page, '#dispatch-suggestion'), /热力/);
    await act(page, 'dispatch');
    assert.match(await text(page, '#main-unit'), /热力/);
  });
});
