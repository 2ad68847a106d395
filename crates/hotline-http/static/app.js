// Progressive enhancement only: every page works without this script.
(function () {
  'use strict';
  // Ctrl+Enter submits the form being typed in (operators keep their hands on the keyboard).
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && e.target.form) {
      e.preventDefault();
      e.target.form.requestSubmit();
    }
  });

  // Print buttons (no inline handlers: the pages' Content-Security-Policy forbids them).
  document.addEventListener('click', function (e) {
    if (e.target.closest && e.target.closest('[data-print]')) window.print();
  });

  // Unit pickers: a filter box narrows a <select> of units as one types.
  document.querySelectorAll('[data-filter-for]').forEach(function (box) {
    var select = document.getElementById(box.getAttribute('data-filter-for'));
    if (!select) return;
    box.addEventListener('input', function () {
      var q = box.value.trim().toLowerCase();
      var first = null;
      Array.prototype.forEach.call(select.options, function (o) {
        var show = !q || o.text.toLowerCase().indexOf(q) >= 0 || (o.getAttribute('data-code') || '').indexOf(q) === 0;
        o.hidden = !show;
        if (show && !first && o.value) first = o;
      });
      // A group whose units are all filtered out would leave its bare heading in the list.
      Array.prototype.forEach.call(select.querySelectorAll('optgroup'), function (g) {
        g.hidden = !Array.prototype.some.call(g.children, function (o) { return !o.hidden; });
      });
      if (first && q && select.value !== first.value) {
        select.value = first.value;
        select.dispatchEvent(new Event('change', { bubbles: true }));
      }
    });
    box.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowDown') { e.preventDefault(); select.focus(); }
    });
  });

  // Street lists follow the chosen district.
  var district = document.getElementById('district');
  var street = document.getElementById('street');
  if (district && street) {
    var syncStreets = function () {
      var d = district.value;
      Array.prototype.forEach.call(street.querySelectorAll('optgroup'), function (g) {
        g.hidden = !!d && g.getAttribute('data-district') !== d;
      });
    };
    district.addEventListener('change', function () { street.value = ''; syncStreets(); });
    // The dispatch catalogue suggests the main unit for the category at this place (属地 or a named
    // department); it fills the picker unless the operator chose a unit by hand.
    var main = document.getElementById('main_unit');
    var category = document.getElementById('category');
    var urgency = document.getElementById('urgency');
    var dispatchHint = document.getElementById('dispatch-hint');
    if (main) main.addEventListener('change', function () { delete main.dataset.auto; });
    var coPicker = document.getElementById('co_units');
    if (coPicker) coPicker.addEventListener('change', function () { delete coPicker.dataset.auto; });
    var suggest = function () {
      if (!main || (main.value && !main.dataset.auto)) return;
      var cat = category && category.value;
      if (!cat) {
        if (street.value) { main.value = street.value; main.dataset.auto = '1'; }
        return;
      }
      var q = 'category=' + encodeURIComponent(cat) + (district.value ? '&district=' + district.value : '') + (street.value ? '&street=' + street.value : '');
      fetch('/api/v1/dispatch/suggest?' + q, { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) {
          if (!s) { if (dispatchHint) dispatchHint.textContent = ''; return; }
          main.value = String(s.main_unit.id);
          main.dataset.auto = '1';
          // The catalogue's co-units come with its main unit (unless the operator chose some).
          var co = document.getElementById('co_units');
          if (co && (!co.selectedOptions.length || co.dataset.auto)) {
            var ids = s.co_units.map(function (u) { return String(u.id); });
            Array.prototype.forEach.call(co.options, function (o) { o.selected = ids.indexOf(o.value) >= 0; });
            co.dataset.auto = '1';
            var details = co.closest('details');
            if (details && ids.length) details.open = true;
          }
          if (dispatchHint) {
            var co = s.co_units.map(function (u) { return u.name; }).join('、');
            dispatchHint.textContent = dispatchHint.getAttribute('data-label') + ': ' + s.main_unit.name + (co ? ' + ' + co : '');
          }
        })
        .catch(function () {});
    };
    street.addEventListener('change', suggest);
    district.addEventListener('change', suggest);
    if (category) {
      category.addEventListener('change', function () {
        var opt = category.selectedOptions[0];
        var u = opt && opt.getAttribute('data-urgency');
        if (u && urgency) urgency.value = u;
        suggest();
      });
    }
    syncStreets();
  }

  // Place recognition: the address and the description are resolved against the gazetteer as the
  // operator types; an empty district/street is filled in, the main unit follows the street (属地),
  // and ambiguous names are shown rather than guessed.
  var hint = document.getElementById('place-hint');
  var address = document.getElementById('address');
  var description = document.getElementById('description');
  if (hint && district && street && (address || description)) {
    var placeTimer = null;
    var resolvePlace = function () {
      var text = ((address && address.value) || '') + ' ' + ((description && description.value) || '');
      if (!text.trim()) { hint.textContent = ''; return; }
      fetch('/api/v1/places/resolve?text=' + encodeURIComponent(text.trim()), { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (p) {
          if (!p) return;
          var names = [p.district, p.street, p.community].filter(Boolean).map(function (x) { return x.name; });
          if (p.ambiguous && p.ambiguous.length) {
            hint.textContent = hint.getAttribute('data-ambiguous') + ': ' + p.ambiguous.map(function (x) { return x.name; }).join(' / ');
          } else {
            hint.textContent = names.length ? hint.getAttribute('data-label') + ': ' + names.join(' ') : '';
          }
          if (p.district && !district.value) { district.value = String(p.district.id); district.dispatchEvent(new Event('change')); }
          if (p.street && !street.value) { street.value = String(p.street.id); street.dispatchEvent(new Event('change')); }
        })
        .catch(function () {});
    };
    [address, description].forEach(function (el) {
      if (el) el.addEventListener('input', function () { clearTimeout(placeTimer); placeTimer = setTimeout(resolvePlace, 300); });
    });
  }

  // Disposition sections: show the fields of the chosen disposition only.
  var dispo = document.querySelectorAll('input[name=disposition]');
  var syncDispo = function () {
    var chosen = document.querySelector('input[name=disposition]:checked');
    document.querySelectorAll('[data-disposition]').forEach(function (s) {
      s.classList.toggle('hidden', !chosen || s.getAttribute('data-disposition') !== chosen.value);
    });
  };
  dispo.forEach(function (r) { r.addEventListener('change', syncDispo); });
  if (dispo.length) syncDispo();

  // The caller's earlier orders, looked up as the operator types the number.
  var phone = document.getElementById('phone');
  var history = document.getElementById('caller-history');
  if (phone && history) {
    var timer = null;
    history.setAttribute('data-placeholder', history.innerHTML);
    var lookup = function () {
      var p = phone.value.replace(/\s+/g, '');
      if (p.length < 7) { history.innerHTML = history.getAttribute('data-placeholder') || ''; return; }
      fetch('/ui/caller-history?phone=' + encodeURIComponent(p), { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.text() : ''; })
        .then(function (html) { history.innerHTML = html; })
        .catch(function () {});
    };
    phone.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(lookup, 250); });
    if (phone.value) lookup();
  }
})();

// Destructive buttons carry data-confirm: ask before the form goes.
document.addEventListener('submit', (e) => {
  const b = e.submitter;
  if (b && b.dataset.confirm && !window.confirm(b.dataset.confirm)) e.preventDefault();
});

// Triage suggestions as the operator types: nature, category, urgency and disposition with their
// top three; a click (or Alt+N / Alt+C / Alt+U / Alt+D, Alt+A for all) takes a suggestion into the
// form. Emergencies and out-of-scope matters found by rules are flagged; likely duplicates listed.
(function () {
  'use strict';
  var panel = document.getElementById('triage-panel');
  var description = document.getElementById('description');
  if (!panel || !description) return;
  var zh = panel.getAttribute('data-zh') === '1';
  var body = document.getElementById('triage-body');
  var empty = document.getElementById('triage-empty');
  var current = null;
  var seq = 0;
  var timer = null;
  var fields = { nature: 'nature', category: 'category', urgency: 'urgency' };

  function setSelect(id, value) {
    var el = document.getElementById(id);
    if (!el || !value) return;
    if (!Array.prototype.some.call(el.options, function (o) { return o.value === value; })) return;
    el.value = value;
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }

  function setDisposition(code) {
    var radio = code.indexOf('transfer_') === 0 ? 'transfer' : code === 'duplicate' ? 'link_duplicate' : code;
    var input = document.querySelector('input[name=disposition][value="' + radio + '"]');
    if (input) { input.checked = true; input.dispatchEvent(new Event('change', { bubbles: true })); }
    if (radio === 'transfer') setSelect('service', code.slice('transfer_'.length));
    if (radio === 'link_duplicate' && current && current.duplicate_of) {
      var dup = document.getElementById('duplicate_of');
      if (dup) dup.value = current.duplicate_of;
    }
  }

  function accept(decision, code) {
    if (decision === 'disposition') setDisposition(code); else setSelect(fields[decision], code);
  }

  function chips(decision, choices) {
    var dd = document.getElementById('triage-' + decision);
    dd.textContent = '';
    choices.forEach(function (c, i) {
      var b = document.createElement('button');
      b.type = 'button';
      b.className = i === 0 ? 'chip best' : 'chip';
      b.setAttribute('data-decision', decision);
      b.setAttribute('data-code', c.code);
      b.textContent = (zh ? c.label_zh : c.label_en) + ' ' + Math.round(c.p * 100) + '%';
      b.addEventListener('click', function () { accept(decision, c.code); });
      dd.appendChild(b);
    });
  }

  function show(t) {
    current = t;
    panel.dataset.bestCategory = t.category_path[t.category_path.length - 1] || '';
    // Sent with the form, so what was suggested is kept beside what the operator chose.
    var record = document.getElementById('suggestion');
    if (record) {
      record.value = JSON.stringify({ model: t.model, nature: t.nature, category: t.category_path[t.category_path.length - 1] || null,
        urgency: t.urgency, disposition: t.disposition });
    }
    empty.classList.add('hidden');
    body.classList.remove('hidden');
    chips('nature', t.alternatives.nature);
    chips('category', t.alternatives.category);
    chips('urgency', t.alternatives.urgency);
    // One distribution per decision, sorted, the first being the suggestion (the server keeps it so).
    var dispositions = t.alternatives.disposition.slice(0, 3);
    chips('disposition', dispositions);
    var rule = document.getElementById('triage-rule');
    if (t.rule) {
      rule.textContent = (zh ? '规则：' : 'Rule: ') + t.rule.matched + ' → ' + (dispositions[0] ? (zh ? dispositions[0].label_zh : dispositions[0].label_en) : '');
      rule.className = 'badge emergency';
    } else {
      rule.className = 'hidden';
    }
    showEmergency(t.emergency);
    var place = document.getElementById('triage-place');
    place.textContent = '';
    if (t.place && t.place.span) {
      var chars = Array.from(description.value);
      var s = t.place.span[0], e = t.place.span[1];
      var mark = document.createElement('mark');
      mark.textContent = chars.slice(s, e).join('');
      place.append(chars.slice(Math.max(0, s - 12), s).join(''), mark, chars.slice(e, e + 12).join(''));
      var names = [t.district, t.street, t.place.community].filter(Boolean).join(' ');
      if (names) place.append(' → ' + names);
    }
    var dups = document.getElementById('triage-duplicates');
    var list = document.getElementById('triage-duplicate-list');
    list.textContent = '';
    (t.duplicates || []).forEach(function (d) {
      var li = document.createElement('li');
      var a = document.createElement('a');
      a.href = '/orders/' + encodeURIComponent(d.id);
      a.textContent = d.id;
      li.append(a, ' ' + Math.round(d.score * 100) + '% ' + d.description);
      list.appendChild(li);
    });
    dups.classList.toggle('hidden', !(t.duplicates && t.duplicates.length));
  }

  // The emergency decision: a possible emergency is shown under the text with its reason, and one
  // key (Alt+E) confirms it — urgency, category and disposition as the decision proposes.
  var prompt = document.getElementById('emergency-prompt');
  var confirmed = false;
  function showEmergency(e) {
    if (!prompt) return;
    if (!e || e.level === 'none') { prompt.classList.add('hidden'); confirmed = false; return; }
    var cat = zh ? e.category_label_zh : e.category_label_en;
    var dispo = (current && current.alternatives.disposition.filter(function (c) { return c.code === e.disposition; })[0]);
    document.getElementById('emergency-title').textContent =
      (e.level === 'possible' ? prompt.getAttribute('data-possible') : prompt.getAttribute('data-certain')) + (zh ? '：' : ': ');
    document.getElementById('emergency-reason').textContent = zh ? e.reason_zh : e.reason_en;
    document.getElementById('emergency-then').textContent = prompt.getAttribute('data-then') + cat + ' · ' + (dispo ? (zh ? dispo.label_zh : dispo.label_en) : e.disposition);
    prompt.dataset.level = e.level;
    prompt.classList.remove('hidden');
    document.getElementById('emergency-confirm').disabled = confirmed;
  }
  function confirmEmergency() {
    if (!current || !current.emergency || current.emergency.level === 'none') return;
    var e = current.emergency;
    setSelect('urgency', 'emergency');
    setSelect('category', e.category);
    setDisposition(e.disposition);
    confirmed = true;
    var button = document.getElementById('emergency-confirm');
    if (button) button.disabled = true;
  }
  if (prompt) document.getElementById('emergency-confirm').addEventListener('click', confirmEmergency);

  function ask() {
    var text = description.value.trim();
    if (text.length < 4) { body.classList.add('hidden'); empty.classList.remove('hidden'); current = null; showEmergency(null); return; }
    var mine = ++seq;
    fetch('/api/v1/triage', { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: text }) })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (t) { if (t && mine === seq) show(t); })
      .catch(function () {});
  }

  description.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(ask, 150); });
  if (description.value.trim()) ask();

  function acceptBest(decision) {
    if (!current) return;
    if (decision === 'disposition') { setDisposition(current.disposition); return; }
    var code = decision === 'category' ? current.category_path[current.category_path.length - 1] : current[decision];
    accept(decision, code);
  }
  document.getElementById('triage-accept-all').addEventListener('click', function () {
    ['nature', 'category', 'urgency', 'disposition'].forEach(acceptBest);
  });
  document.addEventListener('keydown', function (e) {
    if (!e.altKey || !current) return;
    var map = { n: 'nature', c: 'category', u: 'urgency', d: 'disposition' };
    var k = e.key.toLowerCase();
    if (k === 'e') { e.preventDefault(); confirmEmergency(); return; }
    if (map[k]) { e.preventDefault(); acceptBest(map[k]); }
    if (k === 'a') { e.preventDefault(); ['nature', 'category', 'urgency', 'disposition'].forEach(acceptBest); }
  });
})();

// Knowledge base and similar past orders beside the intake form: as the operator types, the
// articles that match the request and how the same problem was handled before. "Answer from this
// article" closes the contact as answered directly and records the article on the order.
(function () {
  'use strict';
  var description = document.getElementById('description');
  var kbPanel = document.getElementById('kb-panel');
  var similarPanel = document.getElementById('similar-panel');
  if (!description || !kbPanel || !similarPanel) return;
  var zh = kbPanel.getAttribute('data-zh') === '1';
  var kbList = document.getElementById('kb-suggestions');
  var kbEmpty = document.getElementById('kb-empty');
  var simList = document.getElementById('similar-orders');
  var simEmpty = document.getElementById('similar-empty');
  var articleInput = document.getElementById('article');
  var answer = document.getElementById('answer');
  var linked = document.getElementById('answer-article');
  var linkedLink = document.getElementById('answer-article-link');
  var timer = null;
  var seq = 0;

  // Snippet segments → text with the matched words in <mark>, never parsed as HTML.
  function marked(parent, segments) {
    (segments || []).forEach(function (s) {
      if (s.hit) { var m = document.createElement('mark'); m.textContent = s.text; parent.appendChild(m); }
      else parent.appendChild(document.createTextNode(s.text));
    });
  }
  function plain(segments) { return (segments || []).map(function (s) { return s.text; }).join('').replace(/^…|…$/g, ''); }

  function link(slug, title) {
    if (!articleInput) return;
    articleInput.value = slug || '';
    if (linked) linked.classList.toggle('hidden', !slug);
    if (linkedLink && slug) { linkedLink.href = '/kb/' + encodeURIComponent(slug); linkedLink.textContent = title || slug; }
  }
  var clear = document.getElementById('answer-article-clear');
  if (clear) clear.addEventListener('click', function () { link('', ''); });

  function useArticle(h) {
    var title = plain(zh || !h.title_en.length ? h.title_zh : h.title_en);
    var radio = document.querySelector('input[name=disposition][value=answer]');
    if (radio) { radio.checked = true; radio.dispatchEvent(new Event('change', { bubbles: true })); }
    var nature = document.getElementById('nature');
    if (nature && !nature.value) { nature.value = 'consult'; nature.dispatchEvent(new Event('change', { bubbles: true })); }
    // The category the article serves (else the one triage suggests), so the consultation files
    // complete: one click, then Ctrl+Enter.
    var category = document.getElementById('category');
    if (category && !category.value) {
      var candidates = (h.categories || []).slice();
      var panel = document.getElementById('triage-panel');
      var best = panel && panel.dataset.bestCategory;
      if (best) candidates.push(best);
      var known = candidates.filter(function (c) { return Array.prototype.some.call(category.options, function (o) { return o.value === c; }); });
      if (known.length) { category.value = known[0]; category.dispatchEvent(new Event('change', { bubbles: true })); }
    }
    link(h.slug, title);
    if (!answer) return;
    // The answer records what the caller was told: the article's opening lines (its sample-content
    // notice left out), until the operator edits it.
    var first = kbPanel.getAttribute('data-answer').replace('{title}', title) + plain(h.body_zh);
    answer.value = first;
    answer.focus();
    get('/api/v1/kb/articles/' + encodeURIComponent(h.slug)).then(function (a) {
      // Not if the operator has chosen another article or started typing meanwhile.
      if (!a || articleInput.value !== h.slug || answer.value !== first) return;
      var body = (zh || !a.body_en ? a.body_zh : a.body_en)
        .split('\n')
        .map(function (l) { return l.replace(/^[#>\-*+\d.\s]+/, '').replace(/[*_`]/g, '').trim(); })
        .filter(function (l) { return l && !/^(示例内容|Sample content)/.test(l); })
        .join(' ');
      answer.value = kbPanel.getAttribute('data-answer').replace('{title}', title) + Array.from(body).slice(0, 400).join('');
    });
  }

  function newTabLink(href) {
    var a = document.createElement('a');
    a.href = href;
    a.target = '_blank';
    return a;
  }

  // Only hits near the best one: a far weaker match (one shared common word) is noise beside a call.
  function strong(found) {
    var hits = (found && found.hits) || [];
    var best = hits.length ? hits[0].score : 0;
    return hits.filter(function (h) { return h.score >= best * 0.3; });
  }

  // Lists the strong hits in `list` (or shows `empty`), one item each as `item` builds it.
  function showHits(list, empty, found, item) {
    list.textContent = '';
    var hits = strong(found);
    empty.classList.toggle('hidden', hits.length > 0);
    hits.forEach(function (h) { list.appendChild(item(h)); });
  }

  function snippet(cls, segments) {
    var p = document.createElement('p');
    p.className = cls;
    marked(p, segments);
    return p;
  }

  function showArticles(found) {
    showHits(kbList, kbEmpty, found, function (h) {
      var li = document.createElement('li');
      li.setAttribute('data-slug', h.slug);
      var a = newTabLink('/kb/' + encodeURIComponent(h.slug));
      a.className = 'title';
      marked(a, zh || !h.title_en.length ? h.title_zh : h.title_en);
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'small use-article';
      b.textContent = kbPanel.getAttribute('data-use');
      b.addEventListener('click', function () { useArticle(h); });
      li.append(a, snippet('snippet', zh || !h.body_en.length ? h.body_zh : h.body_en), b);
      return li;
    });
  }

  function showOrders(found) {
    showHits(simList, simEmpty, found, function (h) {
      var li = document.createElement('li');
      var a = newTabLink('/orders/' + encodeURIComponent(h.number));
      a.textContent = h.number;
      var unit = h.main_unit ? ' · ' + h.main_unit.name : '';
      var r = document.createElement('p');
      r.className = 'snippet reply';
      if (h.reply.length) { r.append(similarPanel.getAttribute('data-reply')); marked(r, h.reply); }
      else r.textContent = similarPanel.getAttribute('data-none');
      li.append(a, unit, snippet('snippet', h.description), r);
      return li;
    });
  }

  function get(url) {
    return fetch(url, { credentials: 'same-origin' }).then(function (r) { return r.ok ? r.json() : null; }).catch(function () { return null; });
  }

  function look() {
    var text = description.value.trim();
    if (text.length < 2) { showArticles(null); showOrders(null); return; }
    var mine = ++seq;
    // By characters, not UTF-16 units: a cut emoji would make encodeURIComponent throw.
    var q = encodeURIComponent(Array.from(text).slice(0, 500).join(''));
    get('/api/v1/search/articles?limit=5&q=' + q).then(function (f) { if (mine === seq) showArticles(f); });
    get('/api/v1/search/orders?limit=5&state=replied,evaluated,closed,answered_directly&q=' + q).then(function (f) { if (mine === seq) showOrders(f); });
  }
  description.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(look, 300); });
  if (description.value.trim()) look();
  // After an error the page comes back with the article linked: keep the title the server rendered.
  if (articleInput && articleInput.value) link(articleInput.value, linkedLink ? linkedLink.textContent.trim() : articleInput.value);
})();

// Chips that fill a form's select (the order page's triage suggestions): a click takes one value;
// "accept" takes the first chip of each listed select.
(function () {
  'use strict';
  function fill(id, value) {
    var el = document.getElementById(id);
    if (!el || !Array.prototype.some.call(el.options, function (o) { return o.value === value; })) return;
    el.value = value;
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }
  document.querySelectorAll('[data-fill]').forEach(function (b) {
    b.addEventListener('click', function () { fill(b.getAttribute('data-fill'), b.getAttribute('data-value')); });
  });
  document.querySelectorAll('[data-fill-all]').forEach(function (b) {
    b.addEventListener('click', function () {
      b.getAttribute('data-fill-all').split(' ').forEach(function (id) {
        var first = document.querySelector('[data-fill="' + id + '"]');
        if (first) fill(id, first.getAttribute('data-value'));
      });
    });
  });
  // A possible emergency on the order page: the button sets urgency and category as proposed.
  document.querySelectorAll('[data-emergency-category]').forEach(function (b) {
    b.addEventListener('click', function () {
      fill('t-urgency', 'emergency');
      fill('t-category', b.getAttribute('data-emergency-category'));
      b.disabled = true;
    });
  });
})();

// Emergency mode. On intake, "use the script as the answer" puts the incident's script in the
// answer box and chooses the answer disposition (the incident key then files the answered call
// under the incident). On an incident page, the linked and unresolved counts and the street
// tables follow the incident live.
(function () {
  'use strict';
  document.querySelectorAll('button.use-script').forEach(function (b) {
    b.addEventListener('click', function () {
      var answer = document.getElementById('answer');
      var radio = document.querySelector('input[name="disposition"][value="answer"]');
      if (!answer || !radio) return;
      answer.value = b.getAttribute('data-script') || '';
      radio.checked = true;
      radio.dispatchEvent(new Event('change', { bubbles: true }));
      answer.focus();
    });
  });
  // Alt+I is the incident key's accesskey; browsers differ on accesskey chords, so say it here too.
  var key = document.getElementById('incident-key');
  if (key) {
    document.addEventListener('keydown', function (e) {
      if (e.altKey && !e.ctrlKey && !e.metaKey && (e.key || '').toLowerCase() === 'i') {
        e.preventDefault();
        key.click();
      }
    });
  }
  var live = document.getElementById('incident-live');
  if (!live) return;
  function rows(id, list, withStreet) {
    var body = document.querySelector('#' + id + ' tbody');
    if (!body || !list) return;
    var max = Math.max(1, Math.max.apply(null, list.map(function (r) { return r.count; }).concat([0])));
    body.textContent = '';
    list.forEach(function (r) {
      var tr = document.createElement('tr');
      var cells = [r.district || '—'];
      if (withStreet) cells.push(r.street || '—');
      cells.forEach(function (t) { var td = document.createElement('td'); td.textContent = t; tr.appendChild(td); });
      var n = document.createElement('td'); n.className = 'num'; n.textContent = r.count; tr.appendChild(n);
      var bar = document.createElement('td'); var span = document.createElement('span');
      span.className = 'meter'; span.style.width = Math.round(r.count * 100 / max) + '%'; bar.appendChild(span); tr.appendChild(bar);
      body.appendChild(tr);
    });
  }
  function refresh() {
    fetch(live.getAttribute('data-src'), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) {
        if (!d) return;
        document.getElementById('incident-linked').textContent = d.incident.linked;
        document.getElementById('incident-unresolved').textContent = d.unresolved;
        rows('scope-districts', d.scope_by_district, false);
        rows('worst-streets', d.worst_streets, true);
        rows('linked-streets', d.linked_by_street, true);
      })
      .catch(function () { /* the page still shows the last figures */ });
  }
  setInterval(refresh, 15000);
})();
