// End-to-end tests of the web UI's main journeys (see harness.mjs for how they run):
//
//   cd tests/browser && npm install && npm test

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  demo, PASSWORD, startDemo, stopDemo, withPage, shot, navigate, text, login, logout, fillIntake, fileOrder, act,
  timelineActions, assertSubsequence, beijingLocal, sleep,
} from './harness.mjs';

before(startDemo);
after(stopDemo);

// ---------- tests ----------

const PHONE = '13800138000';
const MASKED = '138****8000';

test('full flow: operator files and dispatches, unit signs/contacts/works/replies, supervisor reads the timeline', { timeout: 45000 }, async () => {
  const description = '市民来电反映：望京西路小区门口长期有车辆违章停车，占用消防通道，影响通行，希望尽快处理。';
  let number;

  await withPage('full-flow-operator', async (page) => {
    await page.goto(`${demo.base}/login`);
    await shot(page, 'login');
    await login(page, 'operator');
    assert.equal(new URL(page.url()).pathname, '/intake', 'the operator lands on the intake page');
    await fillIntake(page, { phone: PHONE, description });
    await page.locator('#caller-history').filter({ hasNotText: '输入来电号码后显示' }).waitFor();
    await shot(page, 'intake');
    await navigate(page, () => page.click('#intake-submit'));
    const m = new URL(page.url()).pathname.match(/^\/orders\/([^/]+)$/);
    assert.ok(m, `landed on /orders/{number}, got ${page.url()}`);
    number = decodeURIComponent(m[1]);
    const body = await text(page, 'main');
    assert.match(body, /工单已提交/);
    assert.equal((await text(page, 'h1 .badge.state')).trim(), '已派单');
    assert.match(await text(page, '#main-unit'), /望京街道/);
    assert.match(await text(page, '#description'), /违章停车/);
    await shot(page, 'order-detail-dispatched');

    // The operator's queue lists the new order.
    await page.goto(`${demo.base}/queue`);
    assert.match(await text(page, 'table.orders'), new RegExp(number));
    await shot(page, 'queue');
    await logout(page);
  });

  await withPage('full-flow-unit', async (page) => {
    await login(page, 'wangjing');
    assert.equal(new URL(page.url()).pathname, '/inbox', 'a unit handler lands on the inbox');
    const link = page.locator(`table.orders a[href="/orders/${number}"]`);
    assert.equal(await link.count(), 1, `the inbox lists ${number}: ${await text(page, 'main')}`);
    await shot(page, 'inbox');
    await navigate(page, () => link.click());
    assert.equal((await text(page, 'h1 .badge.state')).trim(), '已派单');

    await act(page, 'sign');
    assert.equal((await text(page, 'h1 .badge.state')).trim(), '已签收');
    await act(page, 'contact', (f) => f.locator('input[name=note]').fill('已电话联系诉求人，约定今天下午现场查看'));
    assert.equal((await text(page, 'h1 .badge.state')).trim(), '已联系诉求人');
    await act(page, 'start_work');
    assert.equal((await text(page, 'h1 .badge.state')).trim(), '办理中');
    await act(page, 'reply', async (f) => {
      await f.locator('select[name=outcome]').selectOption('resolved');
      await f.locator('textarea[name=text]').fill('已联系城管和交警现场处理，违停车辆已清走，已设置禁停标志。');
    });
    assert.equal((await text(page, 'h1 .badge.state')).trim(), '已反馈');
    assert.match(await text(page, 'main'), /违停车辆已清走/);
    await shot(page, 'order-detail-replied');
    await logout(page);
  });

  await withPage('full-flow-supervisor', async (page) => {
    await login(page, 'supervisor');
    await page.goto(`${demo.base}/orders/${number}`);
    assert.equal((await text(page, 'h1 .badge.state')).trim(), '已反馈');
    const actions = await timelineActions(page);
    assertSubsequence(actions.map((a) => a.trim()), ['受理', '分类', '派单', '签收', '联系诉求人', '开始办理', '反馈办理结果'], 'timeline');
    const timeline = await text(page, 'table.timeline');
    assert.match(timeline, /望京街道 李娜/, 'the unit handler is named in the timeline');
    assert.match(timeline, /话务员 王丽/, 'the operator is named in the timeline');
    await shot(page, 'timeline');
  });
});

test('contacts: masked for the unit until a logged reveal, clear for the operator', { timeout: 30000 }, async () => {
  let number;
  await withPage('contacts-operator', async (page) => {
    await login(page, 'operator');
    number = await fileOrder(page, { phone: PHONE, description: '小区门口车辆乱停，挡住了消防通道。' });
    const requester = await text(page, '#requester');
    assert.match(requester, new RegExp(PHONE), 'the operator sees the phone in clear');
    assert.doesNotMatch(requester, /\*\*\*\*/);
    assert.equal(await page.locator('#reveal').count(), 0, 'no reveal button for the operator');
  });

  await withPage('contacts-unit', async (page) => {
    await login(page, 'wangjing');
    await page.goto(`${demo.base}/orders/${number}`);
    let requester = await text(page, '#requester');
    assert.match(requester, /138\*\*\*\*8000/, `the unit sees the phone masked: ${requester}`);
    assert.ok(!requester.includes(PHONE), 'no clear phone before the reveal');
    assert.ok(!(await page.content()).includes(PHONE), 'the clear phone is nowhere in the page before the reveal');
    assert.doesNotMatch((await timelineActions(page)).join('|'), /查看联系方式/);

    await navigate(page, () => page.click('#reveal'));
    requester = await text(page, '#requester');
    assert.match(requester, new RegExp(PHONE), 'after the reveal the phone is in clear');
    assert.ok(!requester.includes(MASKED));
    assert.match(await text(page, '.flash.ok'), /已显示联系方式，本次查看已记录/);
    assert.ok((await timelineActions(page)).map((a) => a.trim()).includes('查看联系方式'), 'the reveal is logged in the timeline');

    // Reloading the order shows it masked again: a reveal is for one look only.
    await page.goto(`${demo.base}/orders/${number}`);
    assert.match(await text(page, '#requester'), /138\*\*\*\*8000/);
    assert.ok((await timelineActions(page)).map((a) => a.trim()).includes('查看联系方式'));
  });
});

test('citizen: submit without login, then track by number and phone; a wrong phone is refused', { timeout: 30000 }, async () => {
  await withPage('citizen', async (page) => {
    const phone = '13912345678';
    await page.goto(`${demo.base}/citizen`);
    assert.equal(await page.locator('form[action="/logout"]').count(), 0, 'no login needed');
    await page.fill('#c-description', '我家楼下的路灯坏了一个多月了，晚上出行很不方便，请尽快修理。');
    await page.selectOption('#c-district', { label: '朝阳区' });
    await page.fill('#c-address', '望京街道花家地北里 3 号楼');
    await page.fill('#c-name', '张先生');
    await page.fill('#c-phone', phone);
    await shot(page, 'citizen');
    await navigate(page, () => page.click('#citizen-submit'));
    const number = (await text(page, '#receipt-number')).trim();
    assert.match(number, /^\d{8,}$/, `a receipt number is shown: ${number}`);
    await shot(page, 'citizen-receipt');

    await navigate(page, () => page.click('a.button[href="/track"]'));
    await page.fill('#t-number', number);
    await page.fill('#t-phone', phone);
    await navigate(page, () => page.click('#track-submit'));
    const result = await text(page, '#track-result');
    assert.match(result, new RegExp(number));
    assert.match(result, /已受理/, `the status is shown: ${result}`);
    assert.match(result, /路灯坏了/);
    await shot(page, 'track');

    await page.fill('#t-phone', '13900000000');
    await navigate(page, () => page.click('#track-submit'));
    assert.equal(await page.locator('#track-result').count(), 0, 'nothing is shown for a wrong phone');
    assert.match(await text(page, '.flash.error'), /未找到工单/);
    await shot(page, 'track-wrong-phone');
  });
});

test('language: the English switch turns the login page into English', { timeout: 20000 }, async () => {
  await withPage('english', async (page) => {
    await page.goto(`${demo.base}/login`);
    assert.match(await text(page, 'h1'), /工作人员登录/);
    await navigate(page, () => page.click('header a[lang=en]'));
    assert.equal(new URL(page.url()).pathname, '/login', 'the switch comes back to the same page');
    assert.equal((await text(page, 'h1')).trim(), 'Staff login');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal((await text(page, '#login-submit')).trim(), 'Log in');
    assert.match(await text(page, 'label[for=username]'), /Username/);
    await shot(page, 'login-english');
    // The choice outlives the login: the operator's intake page is in English too.
    await page.fill('#username', 'operator');
    await page.fill('#password', PASSWORD);
    await navigate(page, () => page.click('#login-submit'));
    assert.equal(new URL(page.url()).pathname, '/intake');
    assert.equal((await text(page, 'h1')).trim(), 'Take a request');
    assert.equal((await text(page, 'label[for=phone]')).trim(), "Caller's phone");
    assert.equal((await text(page, '#intake-submit')).trim(), 'Submit');
    assert.match(await text(page, 'header'), /Log out/);
    await shot(page, 'intake-english');
    // And back.
    await navigate(page, () => page.click('header a[lang=zh]'));
    assert.equal(new URL(page.url()).pathname, '/intake');
    assert.equal((await text(page, 'h1')).trim(), '受理来电');
  });
});

test('intake validation: a bad phone re-renders the form with the error and keeps what was typed', { timeout: 20000 }, async () => {
  await withPage('intake-error', async (page) => {
    const description = '反映望京SOHO附近道路两侧违章停车严重，早晚高峰拥堵。';
    await login(page, 'operator');
    await page.goto(`${demo.base}/intake`);
    await fillIntake(page, { phone: '123', description });
    await navigate(page, () => page.click('#intake-submit'));
    assert.equal(new URL(page.url()).pathname, '/intake', 'stays on the intake page');
    assert.match(await text(page, '.flash.error'), /电话号码格式不正确/);
    assert.equal(await page.inputValue('#description'), description, 'the description is kept');
    assert.equal(await page.inputValue('#phone'), '123', 'the phone is kept for correction');
    assert.equal(await page.inputValue('#category'), 'TRF/illegal_parking', 'the category is kept');
    assert.equal(await page.locator('#main_unit option:checked').innerText(), '朝阳区 / 望京街道', 'the main unit is kept');
    await shot(page, 'intake-error');
  });
});

test('admin: a new deadline version and a new account, and a unit user is kept out', { timeout: 30000 }, async () => {
  await withPage('admin', async (page) => {
    await login(page, 'admin');
    await page.goto(`${demo.base}/admin`);
    await shot(page, 'admin');
    const before = await text(page, '#policy-form');
    assert.ok(before.length > 0, 'the deadline form is shown');
    await page.fill('input[name=general_reply_amount]', '5');
    await page.selectOption('select[name=general_reply_unit]', 'working_days');
    // The rest of the policy: dispute window, working calendar (holidays, make-up working days).
    await page.fill('input[name=dispute_window_amount]', '48');
    await page.fill('#holidays', '2027-01-01\n2027-02-17');
    await page.fill('#makeup_workdays', '2027-02-07');
    await navigate(page, () => page.click('#policy-form button[type=submit]'));
    assert.match(await text(page, '.flash.ok'), /已保存时限版本 v2/);
    assert.equal(await page.locator('input[name=general_reply_amount]').inputValue(), '5');
    assert.equal(await page.locator('select[name=general_reply_unit]').inputValue(), 'working_days');
    assert.equal(await page.locator('input[name=dispute_window_amount]').inputValue(), '48');
    assert.equal(await page.locator('#holidays').inputValue(), '2027-01-01\n2027-02-17');
    assert.equal(await page.locator('#makeup_workdays').inputValue(), '2027-02-07');
    assert.ok(await page.locator('input[name=reopen_if_unresolved]').isChecked(), 'the reopen rule is kept');
    // A malformed date is refused with the reason, nothing saved.
    await page.fill('#holidays', '2027-13-01');
    await navigate(page, () => page.click('#policy-form button[type=submit]'));
    assert.match(await text(page, '.flash.error'), /YYYY-MM-DD/);

    await page.fill('#u-username', 'xiaoli');
    await page.fill('#u-display', '望京街道 小李');
    await page.selectOption('#u-role', 'unit_handler');
    await page.selectOption('#u-unit', { label: '望京街道 (街道/乡镇)' });
    await page.fill('#u-password', 'a-long-password');
    await navigate(page, () => page.click('#user-form button[type=submit]'));
    assert.match(await text(page, '.flash.ok'), /已创建账号 xiaoli/);
    assert.match(await text(page, 'main'), /望京街道 小李/);

    // A unit account without a unit is refused with a clear message and nothing is created.
    await page.fill('#u-username', 'nounit');
    await page.fill('#u-display', 'x');
    await page.selectOption('#u-role', 'unit_handler');
    await page.fill('#u-password', 'a-long-password');
    await navigate(page, () => page.click('#user-form button[type=submit]'));
    assert.match(await text(page, '.flash.error'), /承办单位账号须指定单位/);
    await logout(page);

    await login(page, 'wangjing');
    const res = await page.goto(`${demo.base}/admin`);
    assert.equal(res.status(), 403);
  });
});

test('the header number box opens an order straight away', { timeout: 20000 }, async () => {
  await withPage('go-to-order', async (page) => {
    await login(page, 'operator');
    const number = await fileOrder(page, { phone: '13911112233', description: '小区门口车辆乱停，占用消防通道' });
    await page.goto(`${demo.base}/queue`);
    await page.fill('input[name=number]', ` ${number} `);
    await navigate(page, () => page.press('input[name=number]', 'Enter'));
    assert.equal(new URL(page.url()).pathname, `/orders/${number}`);
    assert.match(await text(page, 'h1'), new RegExp(number));
  });
});

test('intake recognises the place in what the operator types and fills district, street and unit', { timeout: 20000 }, async () => {
  await withPage('intake-place', async (page) => {
    await login(page, 'operator');
    await page.goto(`${demo.base}/intake`);
    await page.fill('#description', '市民来电反映：海淀区中关村街道知春里西社区8号楼门口长期有车辆乱停');
    await page.waitForFunction(() => document.getElementById('street').selectedOptions[0]?.text === '中关村街道', null, { timeout: 5000 });
    assert.equal(await page.locator('#district').evaluate((s) => s.selectedOptions[0].text), '海淀区');
    assert.equal(await page.locator('#main_unit').evaluate((s) => s.selectedOptions[0].text), '海淀区 / 中关村街道', 'the street becomes the main unit');
    assert.match(await text(page, '#place-hint'), /知春里西社区居委会/);
    await shot(page, 'intake-place');
  });
});

test('the dispatch catalogue picks the main unit and urgency for the category at the place', { timeout: 20000 }, async () => {
  await withPage('intake-dispatch', async (page) => {
    await login(page, 'operator');
    await page.goto(`${demo.base}/intake`);
    await page.selectOption('#district', { label: '朝阳区' });
    await page.selectOption('#street', { label: '望京街道' });
    await page.selectOption('#category', 'UTL/heating');
    await page.waitForFunction(() => document.getElementById('main_unit').selectedOptions[0]?.text === '北京市热力集团', null, { timeout: 5000 });
    assert.equal(await page.locator('#urgency').inputValue(), 'utility24h', 'the category sets the urgency');
    assert.match(await text(page, '#dispatch-hint'), /北京市热力集团 \+ 望京街道/);
    // The catalogue's co-unit comes with its main unit (issue #12, 3: it used to be dropped).
    const co = await page.locator('#co_units').evaluate((s) => Array.from(s.selectedOptions).map((o) => o.text));
    assert.deepEqual(co, ['朝阳区 / 望京街道'], 'the suggested co-unit is filled too');
    assert.equal(await page.locator('#co_units').evaluate((s) => s.closest('details').open), true, 'and shown');
    // A street matter goes to the street of the place (属地).
    await page.selectOption('#category', 'CTY/garbage');
    await page.waitForFunction(() => document.getElementById('main_unit').selectedOptions[0]?.text === '朝阳区 / 望京街道', null, { timeout: 5000 });
    // A unit the operator picks by hand is not overridden.
    await page.selectOption('#main_unit', { label: '市城市管理委' });
    await page.selectOption('#category', 'UTL/water');
    await sleep(800);
    assert.equal(await page.locator('#main_unit').evaluate((s) => s.selectedOptions[0].text), '市城市管理委');
    await shot(page, 'intake-dispatch');
  });
});

test('admin edits the category tree and the dispatch catalogue, each save a new version', { timeout: 40000 }, async () => {
  await withPage('catalogue', async (page) => {
    page.on('dialog', (d) => d.accept());
    await login(page, 'admin');
    await page.goto(`${demo.base}/admin`);
    await navigate(page, () => page.click('a[href="/admin/categories"]'));
    await navigate(page, () => page.click('a[href="/admin/categories?at=OTH"]'));
    const versionBefore = Number((await text(page, 'h1')).match(/v(\d+)/)[1]);
    // Add a child under OTH/…: the form starts with the parent's code.
    const parent = await page.locator('#category-tree tr[data-code^="OTH/"]').first().getAttribute('data-code');
    await navigate(page, () => page.click(`a[href="/admin/categories?add=${parent}"]`));
    assert.equal(await page.locator('#c-code').inputValue(), `${parent}/`);
    await page.fill('#c-code', `${parent}/browser_test`);
    await page.fill('#c-name-zh', '浏览器测试分类');
    await page.fill('#c-name-en', 'Browser test');
    await page.fill('#c-keywords', '测试甲|测试乙');
    await page.fill('#c-note', '浏览器测试');
    await navigate(page, () => page.click('#category-form button[type=submit]'));
    assert.match(await text(page, '.flash.ok'), new RegExp(`已保存分类目录版本 v${versionBefore + 1}`));
    const row = page.locator(`#category-tree tr[data-code="${parent}/browser_test"]`);
    assert.match(await row.innerText(), /浏览器测试分类/);
    assert.match(await row.innerText(), /测试甲、测试乙/);
    // It inherits its parent's dispatch rule until it gets its own.
    assert.match(await row.innerText(), /沿用/);

    // A form opened on an older version is refused, not silently applied.
    await page.goto(`${demo.base}/admin/categories?edit=${parent}/browser_test`);
    await page.evaluate(() => { document.querySelector('#category-form input[name=base_version]').value = '1'; });
    await page.fill('#c-name-zh', '不应保存');
    await navigate(page, () => page.click('#category-form button[type=submit]'));
    assert.match(await text(page, '.flash.error'), /他人已保存了更新的版本/);

    // Its own rule in the dispatch catalogue: to the district's market regulator, in Chaoyang only.
    await page.goto(`${demo.base}/admin/dispatch?at=OTH`);
    await shot(page, 'dispatch-catalogue');
    await page.fill('#r-category', `${parent}/browser_test`);
    await page.selectOption('#r-district', { label: '朝阳区' });
    await page.fill('#r-target', 'district:SCJG');
    await navigate(page, () => page.click('#rule-form button[type=submit]'));
    assert.match(await text(page, '.flash.ok'), /已保存派单目录版本 v2/);
    const rule = page.locator(`#rules tr[data-category="${parent}/browser_test"]`);
    assert.match(await rule.innerText(), /朝阳区/);
    assert.match(await rule.innerText(), /所在区市场监督管理局/);
    // Remove it again, then the category.
    await navigate(page, () => rule.locator('button.danger').click());
    assert.match(await text(page, '.flash.ok'), /v3/);
    assert.equal(await page.locator(`#rules tr[data-category="${parent}/browser_test"]`).count(), 0);
    await page.goto(`${demo.base}/admin/categories?at=OTH`);
    await shot(page, 'category-tree');
    await navigate(page, () => page.locator(`#category-tree tr[data-code="${parent}/browser_test"] button.danger`).click());
    assert.equal(await page.locator(`#category-tree tr[data-code="${parent}/browser_test"]`).count(), 0);
    assert.match(await text(page, 'table.versions'), /浏览器测试/);
  });
});

test('intake shows triage suggestions as the operator types and one key takes them', { timeout: 30000 }, async () => {
  await withPage('intake-triage', async (page) => {
    await login(page, 'operator');
    await page.goto(`${demo.base}/intake`);
    await page.fill('#description', '望京西园三区3号楼楼道里一股很浓的煤气味，邻居家没人');
    await page.waitForSelector('#triage-body:not(.hidden)', { timeout: 5000 });
    assert.match(await text(page, '#triage-rule'), /煤气味/);
    assert.match(await text(page, '#triage-urgency .chip.best'), /紧急/);
    assert.match(await text(page, '#triage-category .chip.best'), /燃气/);
    assert.match(await text(page, '#triage-place mark'), /望京西园三区/);
    await page.keyboard.press('Alt+A');
    assert.equal(await page.locator('#urgency').inputValue(), 'emergency');
    assert.match(await page.locator('#category').inputValue(), /^EMG\/gas_leak/);
    assert.equal(await page.locator('input[name=disposition]:checked').inputValue(), 'dispatch');
    await shot(page, 'intake-triage');

    // A consultation: answered directly, taken with one click.
    await page.fill('#description', '请问今年供暖什么时候开始？');
    await page.waitForFunction(() => document.querySelector('#triage-nature .chip.best')?.dataset.code === 'consult', null, { timeout: 5000 });
    await page.click('#triage-disposition .chip.best');
    assert.equal(await page.locator('input[name=disposition]:checked').inputValue(), 'answer');
  });
});

test('deadline notices: the unit sees the scheduler\'s warnings and overdue notices and marks one read', { timeout: 30000 }, async () => {
  await withPage('notifications', async (page) => {
    await login(page, 'wangjing');
    await page.goto(`${demo.base}/notifications`);
    // The demo's two weeks of orders include some whose deadlines have passed; the scheduler's first
    // pass runs at start.
    await page.waitForSelector('#notices tr.unread', { timeout: 5000 });
    const before = await page.locator('#notices tr.unread').count();
    assert.ok(before > 0);
    assert.match(await text(page, '#notices'), /超期|预警/);
    await shot(page, 'notifications');
    await navigate(page, () => page.locator('#notices tr.unread button').first().click());
    assert.equal(await page.locator('#notices tr.unread').count(), before - 1);
    // Each notice links to its order, whose timeline shows it.
    await navigate(page, () => page.locator('#notices a').first().click());
    assert.match(await text(page, 'main'), /时限提醒/);
  });
});

test('assessment: the month\'s three rates and ranks by unit class, CSV and print', { timeout: 30000 }, async () => {
  await withPage('assessment', async (page) => {
    await login(page, 'supervisor');
    const month = new Date().toISOString().slice(0, 7);
    await page.goto(`${demo.base}/assessment?month=${month}`);
    assert.match(await text(page, 'h1'), new RegExp(month));
    // The demo world has callbacks this month.
    assert.ok(await page.locator('table.assessment tbody tr').count() > 0, 'rows of units');
    assert.match(await text(page, 'table.assessment >> nth=0'), /%/);
    assert.equal(await page.locator(`a[href="/api/v1/assessment.csv?month=${month}"]`).count(), 1);
    await shot(page, 'assessment');
    // A bad month is a clear error, not a crash.
    const res = await page.goto(`${demo.base}/assessment?month=2026-13`);
    assert.equal(res.status(), 422);
    assert.match(await text(page, '.flash.error'), /YYYY-MM/);
  });
});

/** `YYYY-MM-DDTHH:MM` in Beijing time, `hours` from now (the value of a datetime-local input). */

test('after dispatch: paused clock, supervision, whistle, callback queue and the citizen\'s online rating reopening the order', { timeout: 60000 }, async () => {
  const phone = '13900139000';
  let number;
  await withPage('handling-operator', async (page) => {
    await login(page, 'operator');
    number = await fileOrder(page, { phone, description: '市民反映：望京西路 8 号楼道内堆放大量杂物，存在消防隐患，物业不处理。' });
  });

  await withPage('handling-unit', async (page) => {
    await login(page, 'wangjing');
    await page.goto(`${demo.base}/orders/${number}`);
    await act(page, 'sign');
    await act(page, 'contact', (f) => f.locator('input[name=note]').fill('已电话联系'));
    await act(page, 'pause_clock', (f) => f.locator('textarea[name=reason]').fill('诉求人出差，约定下周现场查看'));
    assert.match(await text(page, '#paused'), /已暂停/);
    await act(page, 'resume_clock');
    assert.equal(await page.locator('#paused').count(), 0, 'the clock runs again');
    await act(page, 'start_work');
    // 街乡吹哨: summon the district's city management bureau, to report within a day.
    await act(page, 'summon', async (f) => {
      const value = await f.locator('option[data-code="110105-CGZF"]').getAttribute('value');
      await f.locator('select[name=units]').selectOption([value]);
      await f.locator('input[name=report_by]').fill(beijingLocal(24));
      await f.locator('input[name=note]').fill('楼道杂物涉及违法搭建，请城管执法到场');
    });
    assert.match(await text(page, '#summons'), /城市管理综合行政执法局[\s\S]*未报到/);
  });

  await withPage('handling-supervisor', async (page) => {
    await login(page, 'supervisor');
    await page.goto(`${demo.base}/orders/${number}`);
    await act(page, 'supervise', async (f) => {
      await f.locator('select[name=reason]').selectOption('sensitive');
      await f.locator('input[name=reach_site_by]').fill(beijingLocal(4));
      await f.locator('input[name=note]').fill('消防隐患，四小时内到场');
    });
    assert.match(await text(page, '#supervision'), /敏感事项[\s\S]*消防隐患/);
    await act(page, 'remind', (f) => f.locator('input[name=note]').fill('请尽快到场'));
    assert.match(await text(page, '#supervision'), /已催办 1/);
    await shot(page, 'order-supervised');
  });

  await withPage('handling-unit-reply', async (page) => {
    await login(page, 'wangjing');
    await page.goto(`${demo.base}/orders/${number}`);
    await act(page, 'arrive_on_site');
    assert.match(await text(page, '#supervision'), /已按时到场/);
    await act(page, 'reply', async (f) => {
      await f.locator('select[name=outcome]').selectOption('resolved');
      await f.locator('textarea[name=text]').fill('已联合城管清理楼道杂物。');
    });
  });

  await withPage('handling-callback', async (page) => {
    await login(page, 'callback');
    assert.equal(new URL(page.url()).pathname, '/callbacks', 'a callback agent lands on the callback queue');
    const link = page.locator(`#callback-queue a[href="/orders/${number}"]`);
    assert.equal(await link.count(), 1, `the queue lists ${number}`);
    await shot(page, 'callback-queue');
    await navigate(page, () => link.click());
    await act(page, 'callback_attempt', (f) => f.locator('input[name=note]').fill('无人接听'));
    assert.match(await text(page, '#callback-attempts'), /未接通 1/);
  });

  await withPage('handling-citizen', async (page) => {
    await page.goto(`${demo.base}/track`);
    await page.fill('input[name=number]', number);
    await page.fill('input[name=phone]', phone);
    await navigate(page, () => page.locator('form button[type=submit]').last().click());
    await navigate(page, () => page.click('#rate-link'));
    assert.match(await text(page, 'main'), /已联合城管清理楼道杂物/);
    await page.check('input[name=contacted][value=yes]');
    await page.check('input[name=resolution][value=unresolved]');
    await page.check('input[name=satisfaction][value=unsatisfied]');
    await page.fill('#r-comment', '杂物又堆回来了');
    await shot(page, 'rating');
    await navigate(page, () => page.locator('#rate-form button[type=submit]').click());
    assert.match(await text(page, '#rated'), /重新办理/);
    // The link is used up.
    await page.goBack();
    await page.reload();
    assert.match(await text(page, 'main'), /无效或已使用/);
  });

  await withPage('handling-reopened', async (page) => {
    await login(page, 'wangjing');
    await page.goto(`${demo.base}/orders/${number}`);
    assert.equal((await text(page, 'h1 .badge.state')).trim(), '重办');
  });
});

test('assessment: a supervisor saves a scoring scheme in force from a month', { timeout: 30000 }, async () => {
  await withPage('scoring-scheme', async (page) => {
    await login(page, 'supervisor');
    const month = new Date().toISOString().slice(0, 7);
    await page.goto(`${demo.base}/assessment?month=${month}`);
    const form = page.locator('#scheme-form');
    await form.locator('input[name=from_month]').fill(month);
    await form.locator('input[name=w_response]').fill('0.2');
    await form.locator('input[name=w_resolution]').fill('0.4');
    await form.locator('input[name=w_satisfaction]').fill('0.4');
    await form.locator('input[name=note]').fill('本月起试行');
    await navigate(page, () => form.locator('button[type=submit]').click());
    assert.match(await text(page, '#schemes'), /本月起试行/);
    assert.match(await text(page, 'main'), /考评办法第 1 版/);
    assert.match(await text(page, 'main'), /20% × 响应率/);
    await shot(page, 'scoring-scheme');
    // A stale form (based on no version) is refused with the reason, nothing saved.
    await form.locator('input[name=base_version]').evaluate((i) => { i.value = ''; });
    await form.locator('input[name=from_month]').fill(month);
    await form.locator('input[name=note]').fill('过期的表单');
    await navigate(page, () => form.locator('button[type=submit]').click());
    assert.match(await text(page, '#schemes .flash.error'), /其他人|版本/);
    assert.doesNotMatch(await text(page, '#schemes table'), /过期的表单/);
  });
});

test('knowledge base: a citizen finds a guide by a two-character word and reads it, no login', { timeout: 20000 }, async () => {
  await withPage('kb', async (page) => {
    await page.goto(`${demo.base}/kb`);
    assert.ok(await page.locator('#kb-list li').count() >= 7, 'the sample articles are listed');
    await page.fill('#kb-q', '供暖');
    await navigate(page, () => page.locator('form[role=search] button').click());
    const items = await page.locator('#kb-list li').allInnerTexts();
    assert.ok(items.length >= 1, `matches: ${items}`);
    assert.match(items[0], /供暖季/, 'the heating guide ranks first');
    assert.match(await page.locator('#kb-list li mark').first().innerText(), /供暖/, 'the word is marked');
    assert.match(items[0], /示例内容/, 'sample content is marked');
    await navigate(page, () => page.locator('#kb-list a').first().click());
    assert.match(await text(page, '#article-title'), /供暖季/);
    assert.match(await text(page, '#article-body'), /11月15日/);
    await shot(page, 'kb-article');
    await page.goto(`${demo.base}/lang/en?back=/kb/heating-season`);
    assert.match(await text(page, '#article-body'), /15 November/);
  });
});

test('intake: the operator types a consultation, answers from the suggested article and the contact closes as answered directly', { timeout: 40000 }, async () => {
  await withPage('intake-kb', async (page) => {
    await login(page, 'operator');
    await page.goto(`${demo.base}/intake`);
    await page.fill('#phone', '13900001111');
    await page.fill('#description', '请问今年暖气什么时候开始供暖？家里暖气不热找谁？');
    // The knowledge base panel fills beside the form as the operator types.
    await page.waitForSelector('#kb-suggestions li', { timeout: 8000 });
    const first = page.locator('#kb-suggestions li').first();
    assert.equal(await first.getAttribute('data-slug'), 'heating-season');
    assert.match(await first.locator('mark').first().innerText(), /供暖|暖气/, 'the matched words are marked');
    // Similar past orders show how the same problem was handled (the demo has heating orders).
    await page.waitForSelector('#similar-orders li, #similar-empty:not(.hidden)', { timeout: 8000 });
    await shot(page, 'intake-kb');
    await first.locator('button.use-article').click();
    assert.equal(await page.locator('input[name=disposition]:checked').inputValue(), 'answer');
    assert.equal(await page.locator('#article').inputValue(), 'heating-season');
    assert.match(await page.locator('#answer').inputValue(), /知识库《北京市供暖季/);
    assert.equal(await page.locator('#nature').inputValue(), 'consult');
    await page.selectOption('#category', 'UTL/heating/season');
    await navigate(page, () => page.click('#intake-submit'));
    assert.match(new URL(page.url()).pathname, /^\/orders\/\d+$/, `landed on the order: ${await text(page, 'main')}`);
    assert.match(await text(page, '.badge.state'), /直接答复/);
    assert.match(await text(page, '#order-answer'), /北京市供暖季/);
    await shot(page, 'order-answered-from-kb');
    // The article now counts the call it answered.
    await navigate(page, () => page.click('#order-answer-article'));
    assert.match(await text(page, '#article-title'), /供暖季/);
    assert.ok(Number(await text(page, '#article-uses')) >= 1, 'the use is counted');
  });
});

test('search: staff find past orders by words with filters and marked snippets; a unit sees only its own', { timeout: 40000 }, async () => {
  await withPage('search', async (page) => {
    await login(page, 'operator');
    const number = await fileOrder(page, { phone: '13900002222', description: '望京西路小区地下车库长期被僵尸车占用，停车位不够' });
    await page.goto(`${demo.base}/search`);
    await page.fill('#search-q', '僵尸车 停车位');
    // The index follows new orders within moments.
    for (let i = 0; i < 30; i++) {
      await navigate(page, () => page.locator('#search-form button[type=submit]').click());
      if (await page.locator(`#search-hits a[href="/orders/${number}"]`).count()) break;
      await sleep(300);
      await page.fill('#search-q', '僵尸车 停车位');
    }
    const row = page.locator('#search-hits tbody tr').first();
    assert.match(await row.innerText(), new RegExp(number));
    assert.match((await row.locator('mark').allInnerTexts()).join(' '), /僵尸车/, 'the matched words are marked');
    await page.selectOption('#search-state', 'closed');
    await navigate(page, () => page.locator('#search-form button[type=submit]').click());
    assert.equal(await page.locator(`#search-hits a[href="/orders/${number}"]`).count(), 0, 'the state filter narrows');
    await shot(page, 'search-orders');
    // Articles from the same page.
    await page.goto(`${demo.base}/search?kind=articles&q=${encodeURIComponent('垃圾分类')}`);
    assert.match(await text(page, '#search-hits'), /垃圾/);
    await logout(page);
    // 中关村街道 does not see 望京's order.
    await login(page, 'zhongguancun');
    await page.goto(`${demo.base}/search?q=${encodeURIComponent('僵尸车 停车位')}`);
    assert.equal(await page.locator(`#search-hits a[href="/orders/${number}"]`).count(), 0);
  });
});

test('knowledge base: an owner unit edits its article as a new version; a citizen does not see internal guidance', { timeout: 40000 }, async () => {
  await withPage('kb-edit', async (page) => {
    await login(page, 'supervisor');
    await page.goto(`${demo.base}/kb`);
    assert.match(await text(page, '#kb-review'), /入学/, 'an article past its review date is flagged');
    await page.goto(`${demo.base}/kb/heating-season/edit`);
    const body = await page.locator('#body_zh').inputValue();
    await page.fill('#body_zh', body.replace('11月15日', '11月15日（遇寒潮可提前）'));
    await page.fill('#review_by', '2027-11-01');
    await navigate(page, () => page.click('#article-save'));
    assert.equal(new URL(page.url()).pathname, '/kb/heating-season');
    assert.match(await text(page, 'main'), /版本 2/);
    assert.match(await text(page, '#article-body'), /遇寒潮可提前/);
    // Both versions are kept; the first still reads as it did.
    assert.match(await text(page, '#article-history summary'), /\(2\)/);
    await page.goto(`${demo.base}/kb/heating-season?version=1`);
    assert.doesNotMatch(await text(page, '#article-body'), /遇寒潮可提前/);
    assert.match(await text(page, '.flash.error'), /旧版本/);
    // A save from the old version is refused, keeping what was typed.
    await page.goto(`${demo.base}/kb/heating-season/edit`);
    await page.evaluate(() => { document.querySelector('input[name=base_version]').value = '1'; });
    await page.fill('#title_zh', '过期的编辑');
    await navigate(page, () => page.click('#article-save'));
    assert.match(await text(page, '.flash.error'), /版本|已被/);
    assert.equal(await page.locator('#title_zh').inputValue(), '过期的编辑');
    await shot(page, 'kb-edit-stale');
    await logout(page);
    // Citizens: internal operator guidance is not listed or found.
    await page.goto(`${demo.base}/kb?q=${encodeURIComponent('燃气 泄漏')}`);
    assert.doesNotMatch(await text(page, 'main'), /【内部】/);
    const res = await page.goto(`${demo.base}/kb/gas-leak-transfer-checklist`);
    assert.equal(res.status(), 404);
  });
});
