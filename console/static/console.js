// The operator console's page: reads /console/api/overview every few seconds and renders it; the
// rollback and the "try it" panel call the console's own endpoints. Text goes in through textContent
// only, never as markup.

const METHODS = ['hybrid', 'user-based', 'item-cf', 'item-based'];
const REFRESH_MS = 3000;
const TOKEN_KEY = 'movie-rec-operator-token';

const $ = (id) => document.getElementById(id);

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function say(message, kind = 'info') {
  const status = $('status');
  status.textContent = message;
  status.dataset.kind = kind;
}

async function problemText(response) {
  try {
    const body = await response.json();
    return body.detail ?? body.title ?? `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

const number = new Intl.NumberFormat('en-US');
const fixed = (value) => (typeof value === 'number' ? value.toFixed(4) : '—');
const when = (iso) => (iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }) : '—');

function ago(epochMs, now) {
  const seconds = Math.max(0, Math.round((now - epochMs) / 1000));
  return seconds < 60 ? `${seconds} s ago` : `${Math.round(seconds / 60)} min ago`;
}

let overview;

function renderReplicas(data) {
  const body = $('replicas').tBodies[0];
  const now = Date.now();
  const rows = data.replicas.map((replica) => {
    const behind = data.current && replica.served_version !== data.current.version;
    const state = replica.refused
      ? el('span', { class: 'badge bad' }, `refused ${replica.refused.version}: ${replica.refused.problem}`)
      : behind
        ? el('span', { class: 'badge warn' }, `loading ${data.current.version}`)
        : el('span', { class: 'badge good' }, 'serving the current version');
    return el('tr', { 'data-replica': replica.replica_id }, el('th', { scope: 'row' }, replica.replica_id), el('td', {}, replica.url), el('td', { class: 'mono served' }, replica.served_version ?? 'nothing'), el('td', {}, state), el('td', {}, ago(replica.heartbeat_at, now)));
  });
  body.replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 5 }, 'No replica is live: start the API (npm run api).'))]));
}

function gateCell(deployment) {
  if (!deployment) return el('td', {}, '—');
  const verdict = deployment.gate.passed ? (deployment.forced ? 'passed, forced' : 'passed') : deployment.forced ? 'refused, deployed by force' : 'refused';
  const details = el(
    'details',
    {},
    el('summary', { class: deployment.gate.passed ? 'good' : 'bad' }, verdict),
    el('ul', {}, deployment.gate.checks.map((check) => el('li', {}, `${check.passed ? '✔' : '✘'} ${check.name}: ${check.detail}`))),
    deployment.gate.reasons.length ? el('p', {}, deployment.gate.reasons.join('; ')) : null,
    el('p', { class: 'note' }, `decided ${when(deployment.decided_at)}${deployment.deployed ? ', deployed' : ', not deployed'}`),
  );
  return el('td', {}, details);
}

function renderVersions(data) {
  const body = $('versions').tBodies[0];
  const rows = data.versions.map((version) => {
    const badges = [version.current ? el('span', { class: 'badge good' }, 'current') : null, version.previous ? el('span', { class: 'badge' }, 'previous') : null];
    const snapshot = version.data_snapshot;
    const links = el(
      'td',
      { class: 'links' },
      version.has_report ? el('a', { href: `/console/api/models/${encodeURIComponent(version.version)}/report`, target: '_blank', rel: 'noopener' }, 'Report') : el('span', { class: 'note' }, 'no report'),
      el('a', { href: version.runs.temporal, target: '_blank', rel: 'noopener' }, 'Temporal run'),
      el('a', { href: version.runs.airflow, target: '_blank', rel: 'noopener' }, 'Airflow run'),
    );
    return el(
      'tr',
      { 'data-version': version.version, class: version.current ? 'current' : undefined },
      el('th', { scope: 'row' }, el('span', { class: 'mono' }, version.version), ' ', badges),
      el('td', {}, when(version.created_at)),
      el('td', {}, version.run_date),
      el('td', {}, `${number.format(snapshot.ratings)} ratings · ${number.format(snapshot.users)} users · ${number.format(snapshot.movies)} movies`),
      el('td', { class: 'num' }, fixed(version.metrics['ndcg@10'])),
      el('td', { class: 'num' }, fixed(version.metrics['precision@10'])),
      el('td', { class: 'num' }, fixed(version.metrics['recall@10'])),
      el('td', { class: 'num' }, fixed(version.metrics.coverage)),
      gateCell(version.deployment),
      links,
    );
  });
  if (data.older_versions > 0) rows.push(el('tr', {}, el('td', { colspan: 10, class: 'note' }, `${number.format(data.older_versions)} older versions are in the registry and not shown.`)));
  body.replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 10 }, 'The registry is empty: no batch has trained a model yet.'))]));

  const rollback = $('rollback');
  rollback.disabled = !data.current?.previous;
  rollback.textContent = data.current?.previous ? `Roll back to ${data.current.previous}` : 'Roll back (no previous version)';
}

async function refresh() {
  try {
    const response = await fetch('/console/api/overview', { cache: 'no-store' });
    if (!response.ok) throw new Error(await problemText(response));
    overview = await response.json();
    const current = overview.current;
    $('summary').textContent = current
      ? `Deployed: ${current.version} (${current.reason}${current.forced ? ', forced' : ''}, ${when(current.deployed_at)}) · ${overview.replicas.length} live replica${overview.replicas.length === 1 ? '' : 's'}`
      : 'No model is deployed yet.';
    const currentVersion = overview.versions.find((v) => v.current);
    const previousVersion = overview.versions.find((v) => v.previous);
    const ndcg = (v) => v?.metrics['ndcg@10'];
    if (typeof ndcg(currentVersion) === 'number' && typeof ndcg(previousVersion) === 'number') {
      const delta = ndcg(currentVersion) - ndcg(previousVersion);
      $('summary').textContent += ` · NDCG@10 ${fixed(ndcg(currentVersion))} against ${fixed(ndcg(previousVersion))} for the previous ${previousVersion.version} (${delta >= 0 ? '+' : '−'}${Math.abs(delta).toFixed(4)})`;
    }
    $('temporal-link').href = currentVersion?.runs.temporal ?? '#';
    $('airflow-link').href = currentVersion?.runs.airflow ?? '#';
    renderReplicas(overview);
    renderVersions(overview);
  } catch (err) {
    say(`Could not read the registry: ${err.message}`, 'error');
  }
}

function askToken(dialog, input) {
  return new Promise((resolve) => {
    const saved = sessionStorage.getItem(TOKEN_KEY);
    if (saved) return resolve(saved);
    input.value = '';
    // Escape closes the dialog without a return value: only "Use it" counts.
    dialog.returnValue = 'cancel';
    dialog.showModal();
    dialog.addEventListener(
      'close',
      () => {
        const token = dialog.returnValue === 'ok' ? input.value.trim() : '';
        if (token) sessionStorage.setItem(TOKEN_KEY, token);
        resolve(token || undefined);
      },
      { once: true },
    );
  });
}

function setUpRollback() {
  const dialog = $('rollback-dialog');
  $('rollback').addEventListener('click', () => {
    if (!overview?.current?.previous) return;
    $('rollback-text').textContent = `${overview.current.version} is deployed. Rolling back makes ${overview.current.previous} current again; every replica loads it within seconds.`;
    $('rollback-token').value = sessionStorage.getItem(TOKEN_KEY) ?? '';
    dialog.returnValue = '';
    dialog.showModal();
  });
  $('rollback-cancel').addEventListener('click', () => dialog.close('cancel'));
  $('rollback-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = $('rollback-token').value.trim();
    const expected = overview.current.version;
    dialog.close('confirm');
    say(`Rolling back ${expected}…`);
    const response = await fetch('/console/api/rollback', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ expected_current: expected }),
    });
    if (!response.ok) {
      if (response.status === 401) sessionStorage.removeItem(TOKEN_KEY);
      say(`Rollback refused: ${await problemText(response)}`, 'error');
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    const pointer = await response.json();
    say(`Rolled back: ${pointer.version} is current again (from ${pointer.previous}). The replicas follow within seconds.`, 'good');
    await refresh();
  });
}

function itemRow(userId, method, item) {
  const select = el('select', { 'aria-label': `Rating of ${item.title}` }, ['5', '4.5', '4', '3.5', '3', '2.5', '2', '1.5', '1', '0.5'].map((r) => el('option', { value: r }, `${r} ★`)));
  const button = el('button', { type: 'button', class: 'small' }, 'Rate');
  button.addEventListener('click', () => rate(userId, item, Number(select.value)));
  return el(
    'li',
    { 'data-movie': item.movie_id },
    el('span', { class: 'title' }, item.title),
    el('span', { class: 'score' }, `score ${item.score.toFixed(3)} · recall ${item.recall_score.toFixed(3)} · quality ${item.quality_score.toFixed(3)}`),
    el('span', { class: 'reason' }, item.reason),
    el('span', { class: 'rate' }, select, button),
  );
}

async function showRecommendations(userId) {
  const results = $('try-results');
  const columns = await Promise.all(
    METHODS.map(async (method) => {
      const response = await fetch(`/console/api/try/recommendations/${userId}?method=${method}&limit=10`, { cache: 'no-store' });
      if (!response.ok) return el('section', { class: 'method', 'data-method': method }, el('h3', {}, method), el('p', { class: 'bad' }, await problemText(response)));
      const answer = await response.json();
      const fresh = answer.fresh.status === 'ok' ? `${answer.fresh.ratings} fresh rating${answer.fresh.ratings === 1 ? '' : 's'}${answer.fresh.ratings && !answer.fresh.folded ? ' (not folded in)' : ''}` : 'fresh ratings unavailable';
      return el(
        'section',
        { class: 'method', 'data-method': method, 'data-fresh': answer.fresh.ratings },
        el('h3', {}, method),
        el('p', { class: 'note' }, `${answer.path} · ${fresh} · model ${answer.model_version}`),
        el('ol', {}, answer.items.map((item) => itemRow(userId, method, item))),
      );
    }),
  );
  results.replaceChildren(...columns);
  return columns;
}

async function rate(userId, item, rating) {
  const token = await askToken($('token-dialog'), $('token-input'));
  if (!token) return;
  const before = Number($('try-results').querySelector('[data-method="hybrid"]')?.dataset.fresh ?? 0);
  const response = await fetch('/console/api/try/ratings', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ user_id: userId, movie_id: item.movie_id, rating }),
  });
  if (!response.ok) {
    if (response.status === 401) sessionStorage.removeItem(TOKEN_KEY);
    say(`Rating not sent: ${await problemText(response)}`, 'error');
    return;
  }
  say(`Rated ${item.title} ${rating} ★ as user ${userId}; waiting for the answers to fold it in…`);
  // The rating reaches the fresh-rating store within moments; poll until the answers count it.
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 400));
    await showRecommendations(userId);
    const fresh = Number($('try-results').querySelector('[data-method="hybrid"]')?.dataset.fresh ?? 0);
    if (fresh > before) {
      say(`Rated ${item.title} ${rating} ★ as user ${userId}: the answers now use ${fresh} fresh rating${fresh === 1 ? '' : 's'}, and ${item.title} is left out.`, 'good');
      return;
    }
  }
  say(`Rated ${item.title}, but the answers did not show it within 10 s (is the consumer running?).`, 'error');
}

function setUpTokenDialog() {
  const dialog = $('token-dialog');
  $('token-cancel').addEventListener('click', () => dialog.close('cancel'));
  $('token-form').addEventListener('submit', () => dialog.close('ok'));
}

function setUpTry() {
  $('try-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const userId = Number($('try-user').value);
    say(`Asking every method about user ${userId}…`);
    await showRecommendations(userId);
    say(`Recommendations for user ${userId}.`);
  });
}

setUpRollback();
setUpTokenDialog();
setUpTry();
await refresh();
setInterval(refresh, REFRESH_MS);
