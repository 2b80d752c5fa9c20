/**
 * The report page's script, inlined in its <script> (allowed by the page's Content-Security-Policy by
 * its hash; nothing else may run). It reads the JSON island (report-data.ts) and draws the tree lazily:
 * only the children of expanded nodes are in the DOM, and an OU's accounts a page at a time, so that a
 * 10,000-account organization opens as fast as the example. Every string from the data is set with
 * textContent or as a text node: nothing the organization names is ever parsed as markup.
 *
 * Plain ES2019 in a raw string (no template literal inside it, no build step); the unit tests parse it
 * and the browser test runs it.
 */
export const VIEWER_SCRIPT = String.raw`(function () {
'use strict';
performance.mark('guardrails:start');
var D = JSON.parse(document.getElementById('report-data').textContent);
var ND = D.nodes, N = ND.parent.length, PAGE = 100, VNAMES = { s: 'stricter', l: 'looser', m: 'mixed', u: 'unchanged' };
var KNAMES = { r: 'root', o: 'OU', a: 'account' };
var childOus = [], childAccounts = [], accountNodes = [], ordinalOf = new Int32Array(N).fill(-1);
for (var i = 0; i < N; i++) {
  if (ND.kind[i] === 'a') { ordinalOf[i] = accountNodes.length; accountNodes.push(i); }
  else { childOus[i] = []; childAccounts[i] = []; }
  var p = ND.parent[i];
  if (p >= 0) (ND.kind[i] === 'a' ? childAccounts[p] : childOus[p]).push(i);
}
var waveOf = new Int32Array(N);
for (var r = 0; r + 2 < D.waveRuns.length; r += 3) waveOf.fill(D.waveRuns[r + 2], D.waveRuns[r], D.waveRuns[r + 1]);
// Per node: its accounts by verdict below it, and the waves reaching them (a bit per wave, the node's own too).
var counts = { s: new Int32Array(N), l: new Int32Array(N), m: new Int32Array(N), u: new Int32Array(N) };
var mask = new Int32Array(N);
var targetOf = {};
D.waves.forEach(function (w, wi) { w.targets.forEach(function (t) { if (targetOf[t] === undefined) targetOf[t] = wi; }); });
for (i = N - 1; i >= 0; i--) {
  if (ND.kind[i] === 'a') { counts[ND.verdict[i]][i]++; }
  mask[i] |= bit(waveOf[i]);
  p = ND.parent[i];
  if (p >= 0) { counts.s[p] += counts.s[i]; counts.l[p] += counts.l[i]; counts.m[p] += counts.m[i]; counts.u[p] += counts.u[i]; mask[p] |= mask[i]; }
}
// Past 30 waves, the last ones share a bit: their filter shows a little more than they reach.
function bit(w) { return 1 << Math.min(w, 30); }
function hasBit(m, w) { return (m & bit(w)) !== 0; }

var expanded = new Uint8Array(N), page = {}, selected = -1, waveFilter = -1, matches = [], matchSet = null, current = -1;
var lowerNames = null, lowerIds = null;

function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }
function fmt(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ','); }
function plural(n, w) { return fmt(n) + ' ' + w + (n === 1 ? '' : 's'); }
function overall(i) {
  var ch = ['s', 'l', 'm'].filter(function (k) { return counts[k][i] > 0; });
  return ch.length === 0 ? 'u' : ch.length === 1 ? ch[0] : 'm';
}
function accountsBelow(i) { return counts.s[i] + counts.l[i] + counts.m[i] + counts.u[i]; }
function wavesOfMask(m) { var out = []; for (var w = 0; w < D.waves.length; w++) if (hasBit(m, w)) out.push(w); return out; }
function waveChip(w) { return el('span', 'wave w' + (w % 8), D.waves[w].name); }
function visible(i) { return waveFilter < 0 || hasBit(mask[i], waveFilter); }
function pathOf(i) { var out = []; for (var n = i; n >= 0; n = ND.parent[n]) out.unshift(n); return out; }
function inRanges(r, x) { var lo = 0, hi = r.length / 2 - 1; while (lo <= hi) { var mid = (lo + hi) >> 1, s = r[2 * mid]; if (x < s) hi = mid - 1; else if (x >= s + r[2 * mid + 1]) lo = mid + 1; else return true; } return false; }

function verdictBadge(i) {
  var v = ND.kind[i] === 'a' ? ND.verdict[i] : overall(i), total = accountsBelow(i), changed = total - counts.u[i];
  var text = VNAMES[v];
  if (ND.kind[i] !== 'a') text += total === 0 ? ', no accounts' : v === 'u' ? ', ' + plural(total, 'account') : changed === total ? ', ' + plural(total, 'account') : ', ' + fmt(changed) + ' of ' + plural(total, 'account');
  return el('span', 'badge v-' + v, text);
}

function row(i) {
  var li = el('li'), div = el('div', 'row');
  div.setAttribute('data-i', String(i));
  li.setAttribute('role', 'treeitem');
  if (ND.kind[i] !== 'a') {
    var t = el('button', 'tog', expanded[i] ? '\u25be' : '\u25b8');
    t.setAttribute('aria-label', expanded[i] ? 'collapse' : 'expand');
    t.setAttribute('data-toggle', '1');
    div.appendChild(t);
    li.setAttribute('aria-expanded', expanded[i] ? 'true' : 'false');
  } else div.appendChild(el('span', 'spacer'));
  div.appendChild(el('span', 'kind', KNAMES[ND.kind[i]]));
  div.appendChild(el('bdi', 'name', ND.name[i]));
  if (ND.id[i]) div.appendChild(el('span', 'id', ND.id[i]));
  div.appendChild(verdictBadge(i));
  if (ND.kind[i] === 'a') div.appendChild(waveChip(waveOf[i]));
  else {
    var ws = wavesOfMask(mask[i]);
    ws.slice(0, 4).forEach(function (w) { div.appendChild(waveChip(w)); });
    if (ws.length > 4) div.appendChild(el('span', 'meta', 'and ' + (ws.length - 4) + ' more'));
  }
  var tw = targetOf[i];
  if (tw !== undefined) { div.classList.add('target'); div.style.setProperty('--wave', getWaveColour(tw)); div.appendChild(el('span', 'tgt', 'target of wave ' + D.waves[tw].name)); }
  if (i === selected) div.classList.add('selected');
  if (matchSet && matchSet.has(i)) div.classList.add('match');
  if (i === current) div.classList.add('current');
  li.appendChild(div);
  if (ND.kind[i] !== 'a' && expanded[i]) li.appendChild(childrenOf(i));
  return li;
}

var waveColours = ['#0a7a3d', '#8a4b00', '#6f42c1', '#0b5cad', '#a40e26', '#1b6e6e', '#5a5a00', '#444d56'];
function getWaveColour(w) { return waveColours[w % 8]; }

function childrenOf(i) {
  var ul = el('ul');
  ul.setAttribute('role', 'group');
  childOus[i].forEach(function (c) { if (visible(c)) ul.appendChild(row(c)); });
  var accts = childAccounts[i].filter(visible);
  var pages = Math.ceil(accts.length / PAGE), pg = Math.min(page[i] || 0, Math.max(0, pages - 1));
  accts.slice(pg * PAGE, pg * PAGE + PAGE).forEach(function (c) { ul.appendChild(row(c)); });
  if (pages > 1) {
    var pager = el('li', 'pager');
    var prev = el('button', '', '\u2039 previous'); prev.disabled = pg === 0; prev.setAttribute('data-page', String(pg - 1)); prev.setAttribute('data-of', String(i));
    var next = el('button', '', 'next \u203a'); next.disabled = pg >= pages - 1; next.setAttribute('data-page', String(pg + 1)); next.setAttribute('data-of', String(i));
    pager.appendChild(prev);
    pager.appendChild(el('span', '', 'accounts ' + fmt(pg * PAGE + 1) + '\u2013' + fmt(Math.min(accts.length, pg * PAGE + PAGE)) + ' of ' + fmt(accts.length)));
    pager.appendChild(next);
    ul.appendChild(pager);
  }
  if (!ul.firstChild) ul.appendChild(el('li', 'empty', 'nothing here' + (waveFilter >= 0 ? ' in this wave' : '')));
  return ul;
}

var treeRoot = document.getElementById('tree');
function renderTree() {
  var ul = el('ul', 'tree');
  ul.setAttribute('role', 'tree');
  ul.appendChild(row(0));
  treeRoot.replaceChildren(ul);
}

function reveal(i) {
  var path = pathOf(i);
  path.slice(0, -1).forEach(function (n) { expanded[n] = 1; });
  if (!visible(i)) setWaveFilter(-1, true);
  var p = ND.parent[i];
  if (ND.kind[i] === 'a' && p >= 0) page[p] = Math.floor(childAccounts[p].filter(visible).indexOf(i) / PAGE);
  select(i);
  var r = treeRoot.querySelector('.row[data-i="' + i + '"]');
  if (r) r.scrollIntoView({ block: 'center' });
}

function select(i) {
  selected = i;
  renderTree();
  showDetails(i);
}

// Details of a node: where it is, its wave, the policies attached before and after, and for an account the
// guardrails that reach it through its chain and what the change does to it.
var details = document.getElementById('details');
function showDetails(i) {
  var out = [];
  var h = el('h2');
  h.appendChild(el('span', 'kind', KNAMES[ND.kind[i]] + ' '));
  h.appendChild(el('bdi', 'name', ND.name[i]));
  out.push(h);
  if (ND.id[i]) out.push(el('div', 'id', ND.id[i]));
  var crumbs = el('div', 'meta');
  pathOf(i).forEach(function (n, k) { if (k) crumbs.appendChild(document.createTextNode(' / ')); crumbs.appendChild(el('bdi', '', ND.name[n])); });
  out.push(crumbs);
  var line = el('div', 'bar');
  line.appendChild(verdictBadge(i));
  if (ND.kind[i] === 'a') { line.appendChild(el('span', '', 'rolled out in')); line.appendChild(waveChip(waveOf[i])); }
  else wavesOfMask(mask[i]).forEach(function (w) { line.appendChild(waveChip(w)); });
  if (targetOf[i] !== undefined) line.appendChild(el('span', 'tgt', 'target of wave ' + D.waves[targetOf[i]].name));
  out.push(line);
  if (ND.kind[i] !== 'a') {
    out.push(el('p', 'meta', plural(accountsBelow(i), 'account') + ' below: ' + ['s', 'l', 'm', 'u'].map(function (k) { return fmt(counts[k][i]) + ' ' + VNAMES[k]; }).join(', ')));
  }
  if (ND.kind[i] === 'a') {
    out.push(el('h3', '', 'What the change does here'));
    out.push(changeList(i));
    out.push(el('h3', '', 'Effective guardrails'));
    out.push(el('p', 'meta', 'The controls of the policies attached to this account and every node above it, after the change.'));
    out.push(effectiveTable(i));
  }
  out.push(el('h3', '', 'Policies attached here'));
  out.push(policyTable(i));
  details.replaceChildren.apply(details, out);
}

var CHANGE_WORDS = { create: 'created', update: 'updated', 'delete': 'deleted', unchanged: 'unchanged', foreign: 'not guardrails\u2019' };
function policyTable(i) {
  var before = D.sets[ND.before[i]], after = D.sets[ND.after[i]];
  var all = before.concat(after.filter(function (x) { return before.indexOf(x) < 0; }));
  if (!all.length) return el('p', 'empty', 'none');
  var t = el('table'), head = el('tr');
  ['policy', 'deployed', 'after the change', 'controls'].forEach(function (c) { head.appendChild(el('th', '', c)); });
  t.appendChild(head);
  all.forEach(function (x) {
    var p = D.policies[x], tr = el('tr');
    var name = el('td'); name.appendChild(el('bdi', '', p.name)); name.appendChild(el('div', 'meta', p.type.toUpperCase() + ', ' + CHANGE_WORDS[p.change]));
    tr.appendChild(name);
    tr.appendChild(el('td', '', before.indexOf(x) >= 0 ? 'attached' : '\u2014'));
    tr.appendChild(el('td', after.indexOf(x) >= 0 ? '' : 'bad', after.indexOf(x) >= 0 ? (before.indexOf(x) >= 0 ? 'attached' : 'attached by the change') : 'detached by the change'));
    var ctl = el('td', '', p.controls.map(function (c) { return D.controls[c]; }).join(', ') || '\u2014');
    if (p.controlsBefore) ctl.appendChild(el('div', 'meta', 'deployed: ' + (p.controlsBefore.map(function (c) { return D.controls[c]; }).join(', ') || 'none')));
    tr.appendChild(ctl);
    t.appendChild(tr);
  });
  return t;
}

function controlsReaching(i, side) {
  var out = {};
  pathOf(i).forEach(function (n) {
    D.sets[ND[side][n]].forEach(function (x) {
      var p = D.policies[x], cs = side === 'before' && p.controlsBefore ? p.controlsBefore : p.controls;
      cs.forEach(function (c) { (out[c] = out[c] || []).push({ node: n, policy: x }); });
    });
  });
  return out;
}

function effectiveTable(i) {
  var before = controlsReaching(i, 'before'), after = controlsReaching(i, 'after');
  var ids = Object.keys(after).concat(Object.keys(before).filter(function (c) { return !after[c]; }));
  if (!ids.length) return el('p', 'empty', 'no guardrail reaches this account');
  var t = el('table'), head = el('tr');
  ['control', 'through', 'the change'].forEach(function (c) { head.appendChild(el('th', '', c)); });
  t.appendChild(head);
  ids.sort(function (a, b) { return D.controls[a] < D.controls[b] ? -1 : 1; }).forEach(function (c) {
    var tr = el('tr'), via = after[c] || before[c];
    tr.appendChild(el('td', '', D.controls[c]));
    var td = el('td');
    via.forEach(function (v, k) { if (k) td.appendChild(document.createTextNode('; ')); td.appendChild(el('bdi', '', D.policies[v.policy].name)); td.appendChild(document.createTextNode(' at ')); td.appendChild(el('bdi', '', ND.name[v.node])); });
    tr.appendChild(td);
    var rewritten = after[c] && before[c] && after[c].some(function (v) { var ch = D.policies[v.policy].change; return ch === 'update' || ch === 'create'; });
    tr.appendChild(el('td', after[c] && before[c] ? '' : 'bad', after[c] && before[c] ? (rewritten ? 'kept, its policy changed' : 'kept') : after[c] ? 'reaches it with the change' : 'no longer reaches it'));
    t.appendChild(tr);
  });
  return t;
}

function changeList(i) {
  var o = ordinalOf[i], ul = el('ul');
  D.verdicts.forEach(function (v) {
    if (!inRanges(v.accounts, o)) return;
    var li = el('li');
    li.appendChild(el('strong', '', D.controls[v.control] + ': '));
    li.appendChild(el('span', 'badge v-' + (v.verdict === 'same' ? 'u' : v.verdict[0]), v.verdict === 'same' ? 'same effect' : v.verdict));
    var inner = el('ul');
    v.changes.forEach(function (c) { if (inRanges(c.accounts, o)) inner.appendChild(el('li', '', c.text + ' \u2014 ' + c.direction)); });
    li.appendChild(inner);
    ul.appendChild(li);
  });
  return ul.firstChild ? ul : el('p', 'empty', 'nothing: no control changes what this account may do');
}

// Search by OU name or id, account id or name: every match marked, the first (then the next, on Enter) revealed.
var search = document.getElementById('search'), status = document.getElementById('search-status'), results = document.getElementById('results');
var pending;
search.addEventListener('input', function () { clearTimeout(pending); pending = setTimeout(runSearch, 120); });
search.addEventListener('keydown', function (e) { if (e.key === 'Enter') { e.preventDefault(); clearTimeout(pending); if (search.value.trim().toLowerCase() !== lastQuery) runSearch(); else nextMatch(); } });
var lastQuery = '';
function runSearch() {
  var q = search.value.trim().toLowerCase();
  lastQuery = q;
  matches = []; matchSet = null; current = -1;
  results.replaceChildren();
  if (!q) { status.textContent = ''; renderTree(); return; }
  if (!lowerNames) { lowerNames = ND.name.map(function (s) { return s.toLowerCase(); }); lowerIds = ND.id.map(function (s) { return s.toLowerCase(); }); }
  for (var k = 0; k < N; k++) if (lowerIds[k].indexOf(q) >= 0 || lowerNames[k].indexOf(q) >= 0) matches.push(k);
  matchSet = new Set(matches);
  status.textContent = matches.length ? plural(matches.length, 'match') + (matches.length > 1 ? ' (Enter: next)' : '') : 'no match';
  if (matches.length === 1) status.textContent = '1 match';
  matches.slice(0, 20).forEach(function (m) {
    var li = el('li'), b = el('button');
    b.setAttribute('data-reveal', String(m));
    b.appendChild(el('bdi', '', ND.name[m]));
    b.appendChild(document.createTextNode(' ' + ND.id[m]));
    li.appendChild(b);
    results.appendChild(li);
  });
  if (matches.length) { current = matches[0]; reveal(current); } else renderTree();
}
function nextMatch() {
  if (!matches.length) return;
  current = matches[(matches.indexOf(current) + 1) % matches.length];
  reveal(current);
}
results.addEventListener('click', function (e) {
  var b = e.target.closest('[data-reveal]');
  if (b) { current = Number(b.getAttribute('data-reveal')); reveal(current); }
});

// Waves as layers: a chip per wave; pressed, the tree shows only what that wave reaches.
var chips = document.getElementById('waves');
function setWaveFilter(w, quiet) {
  waveFilter = w;
  [].forEach.call(chips.querySelectorAll('button'), function (b) { b.setAttribute('aria-pressed', String(Number(b.getAttribute('data-wave')) === w)); });
  if (!quiet) renderTree();
}
var all = el('button', 'chip', 'all waves'); all.setAttribute('data-wave', '-1'); chips.appendChild(all);
D.waves.forEach(function (w, wi) {
  var b = el('button', 'chip');
  b.setAttribute('data-wave', String(wi));
  b.appendChild(waveChip(wi));
  if (w.description) b.title = w.description;
  chips.appendChild(b);
});
chips.addEventListener('click', function (e) { var b = e.target.closest('button'); if (b) setWaveFilter(Number(b.getAttribute('data-wave'))); });

treeRoot.addEventListener('click', function (e) {
  var pg = e.target.closest('[data-page]');
  if (pg) { page[Number(pg.getAttribute('data-of'))] = Number(pg.getAttribute('data-page')); renderTree(); return; }
  var r = e.target.closest('.row');
  if (!r) return;
  var i = Number(r.getAttribute('data-i'));
  if (e.target.closest('[data-toggle]')) { expanded[i] = expanded[i] ? 0 : 1; renderTree(); return; }
  select(i);
});

// The rollout journal's timeline: per run, per wave, the calls, verification, bake, signals, halts.
function renderTimeline() {
  var box = document.getElementById('timeline');
  if (!D.timeline) { box.remove(); return; }
  var out = [el('h2', '', 'Rollout timeline'), el('p', 'meta', 'From ' + D.timeline.file)];
  D.timeline.notes.forEach(function (n) { out.push(el('p', 'meta', n)); });
  D.timeline.runs.forEach(function (run) {
    var sec = el('section', 'run' + (run.result === 'halted' ? ' halted' : ''));
    sec.appendChild(el('h3', '', 'Run ' + run.run + (run.command ? ' (' + run.command + ')' : '') + ', started ' + run.startedAt));
    sec.appendChild(el('p', run.result === 'done' || run.result === 'stopped' ? 'ok' : 'bad', run.result ? 'ended: ' + run.result + (run.reason ? ': ' + run.reason : '') : 'no end recorded (still running, or killed)'));
    var grid = el('div', 'waves');
    run.waves.forEach(function (w) {
      var wi = D.waves.map(function (x) { return x.name; }).indexOf(w.name);
      var card = el('div', 'wave-card' + (w.result === 'halted' ? ' halted' : ''));
      if (wi >= 0) card.style.setProperty('--wave', getWaveColour(wi));
      var head = el('div', 'bar');
      head.appendChild(el('strong', '', w.name));
      head.appendChild(el('span', w.result === 'halted' || w.result === 'interrupted' ? 'bad' : 'ok', w.result || (w.events.length ? 'not ended' : 'not started')));
      head.appendChild(el('span', 'meta', plural(w.calls, 'call') + ', ' + plural(w.retries, 'retry').replace('retrys', 'retries') + ', ' + Math.round(w.ms / 1000) + ' s'));
      card.appendChild(head);
      var ol = el('ol', 'events'), calls = null;
      w.events.forEach(function (ev) {
        var li = el('li', (ev.ok ? '' : 'failed') + (ev.kind === 'halt' ? ' halt' : ''));
        li.appendChild(el('span', 't', '+' + (ev.t / 1000).toFixed(1) + ' s'));
        li.appendChild(el('span', 'k', ev.kind));
        li.appendChild(el('span', 'x', ev.text));
        if (ev.kind === 'call' && ev.ok) {
          if (!calls) { calls = el('details'); calls.appendChild(el('summary', '', 'calls')); calls.appendChild(el('ol', 'events')); ol.appendChild(calls); }
          calls.lastChild.appendChild(li);
          calls.firstChild.textContent = plural(calls.lastChild.childNodes.length, 'call') + ' that went well';
        } else { calls = null; ol.appendChild(li); }
      });
      if (w.omitted) ol.appendChild(el('li', 'meta', 'and ' + plural(w.omitted, 'more call') + ' that went well'));
      card.appendChild(ol);
      grid.appendChild(card);
    });
    sec.appendChild(grid);
    out.push(sec);
  });
  box.replaceChildren.apply(box, out);
}

var m = D.meta;
document.getElementById('summary').textContent = 'Organization ' + m.organization + ' (' + m.source + ', read ' + m.readAt + '): ' + plural(m.ous, 'OU') + ', ' + plural(m.accounts, 'account') + ', ' + fmt(m.changed) + ' changed by this change. Service reference ' + m.reference + '; made ' + m.generatedAt + '.';

// Opened on the first wave's first target (the canary): its path expanded, it selected.
expanded[0] = 1;
var first = D.waves.length && D.waves[0].targets.length ? D.waves[0].targets[0] : 0;
setWaveFilter(-1, true);
reveal(first);
renderTimeline();
performance.mark('guardrails:rendered');
document.documentElement.setAttribute('data-rendered', '1');
})();
`;
