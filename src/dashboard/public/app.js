// The dashboard page. Every value that comes from an entry (payloads, errors,
// stacks, names) is written with textContent, never as markup, so a payload
// holding <script> or <img onerror> stays text.

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const POLL_MS = 300;
const INSTANCES_POLL_MS = 5_000;

const state = {
  readOnly: true,
  replayable: false,
  matching: 0,
  /** The failure group whose entries are listed, or null. */
  group: null,
  /** Id of the entry shown in full, or null. */
  detail: null,
  jobRunning: false,
};

async function api(method, path, body) {
  const init = { method, headers: { accept: 'application/json' }, credentials: 'same-origin' };
  if (method !== 'GET') {
    // Only this page sends the header; the server refuses changes without it (CSRF).
    init.headers['x-herald-dashboard'] = '1';
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body ?? {});
  }
  const res = await fetch(`api/${path}`, init);
  const doc = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(doc?.error?.message ?? `HTTP ${res.status}`), { status: res.status });
  return doc;
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function button(label, onClick, className) {
  const node = el('button', label, className);
  node.type = 'button';
  node.addEventListener('click', () => void run(onClick));
  return node;
}

const when = (iso) => (Number.isNaN(Date.parse(iso)) ? String(iso) : new Date(iso).toLocaleString());

function say(text, isError = false) {
  const message = $('message');
  message.textContent = text;
  message.classList.toggle('error', isError);
  message.hidden = !text;
}

async function run(action) {
  try {
    await action();
  } catch (error) {
    say(error instanceof Error ? error.message : String(error), true);
  }
}

const filters = () => ({ type: $('filter-type').value, handler: $('filter-handler').value, reason: $('filter-reason').value });

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  return search.toString();
}

function fillSelect(id, facet) {
  const select = /** @type {HTMLSelectElement} */ ($(id));
  const chosen = select.value;
  select.replaceChildren(el('option', 'all'));
  select.options[0].value = '';
  for (const { value, count } of facet) {
    const option = el('option', `${value} (${count})`);
    option.value = value;
    select.append(option);
  }
  select.value = facet.some((f) => f.value === chosen) ? chosen : '';
}

async function refresh() {
  const summary = await api('GET', `summary?${query(filters())}`);
  state.readOnly = summary.readOnly;
  state.replayable = summary.replayable;
  state.matching = summary.matching;
  document.body.classList.toggle('read-only', summary.readOnly);
  document.body.classList.toggle('no-replay', !summary.replayable);
  document.body.classList.toggle('no-queue', !summary.queueable);
  $('read-only-badge').hidden = !summary.readOnly;
  $('title').textContent = summary.title ? `· ${summary.title}` : '';
  $('total').textContent = `${summary.matching} of ${summary.scanned} shown`;
  fillSelect('filter-type', summary.facets.types);
  fillSelect('filter-handler', summary.facets.handlers);
  fillSelect('filter-reason', summary.facets.reasons);
  renderGroups(summary.groups);
  if (state.group && !summary.groups.some((g) => g.id === state.group.id)) state.group = null;
  await showEntries();
  if (state.detail) await showDetail(state.detail);
  if (summary.queueable) await showQueued();
  await showInstances();
}

async function showInstances() {
  const { available, instances } = await api('GET', 'instances');
  $('instances-section').hidden = !available;
  const rows = instances.map((i) => {
    const row = el('tr');
    row.dataset.instance = i.instance;
    const mode = i.health.transport === 'redis-streams' ? 'durable' : i.health.transport === 'redis' ? 'pubsub' : i.health.transport;
    const s = i.stats;
    row.append(
      el('td', i.instance, 'mono'),
      el('td', `${i.hostname} · ${i.pid}`),
      el('td', mode),
      el('td', i.health.status, `health ${i.health.status === 'ready' ? 'ok' : 'warn'}`),
      ...[s.published, s.handled, s.retried, s.deadLettered, s.inFlight].map((n) => el('td', n, 'num')),
      el('td', when(i.lastSeen)),
    );
    return row;
  });
  $('instances').querySelector('tbody').replaceChildren(...rows);
  $('no-instances').hidden = instances.length > 0;
}

async function showQueued() {
  const { queued } = await api('GET', 'queued');
  const rows = queued.map((q) => {
    const row = el('tr');
    row.dataset.queued = q.id;
    const actions = el('td', null, 'actions');
    actions.append(button('Cancel', () => cancelQueued(q.id), 'mutation'));
    row.append(el('td', q.id, 'mono'), el('td', q.type), el('td', q.handler), el('td', when(q.queuedAt)), actions);
    return row;
  });
  $('queued').querySelector('tbody').replaceChildren(...rows);
  $('queued-section').hidden = queued.length === 0;
}

async function queueReplay(id) {
  const { queued, failed } = await api('POST', 'queued', { id });
  say(queued.length > 0 ? `Queued the replay of ${id}: the next instance with its handler runs it once.` : `Not queued: ${failed[0]?.reason ?? id}`, queued.length === 0);
  await showQueued();
}

async function cancelQueued(id) {
  await api('DELETE', `queued/${encodeURIComponent(id)}`);
  say(`Withdrew the queued replay of ${id}.`);
  await showQueued();
}

function renderGroups(groups) {
  const rows = groups.map((group) => {
    const row = el('tr');
    row.dataset.group = group.id;
    row.append(
      el('td', group.handler ?? '-'),
      el('td', group.reason),
      el('td', group.error, 'error-text'),
      el('td', group.types.join(', ')),
      el('td', group.count, 'num count'),
      el('td', when(group.firstSeen)),
      el('td', when(group.lastSeen)),
    );
    const actions = el('td', null, 'actions');
    actions.append(
      button('Entries', async () => {
        state.group = group;
        await showEntries();
      }),
      button('Replay group', () => startReplay({ all: true, group: group.id, ...filters() }, `Replay of ${group.count} in group`), 'mutation replay'),
      button('Delete group…', () => purge({ group: group.id, ...filters() }, `Delete the ${group.count} dead letter(s) of this group for good?`), 'mutation danger'),
    );
    row.append(actions);
    return row;
  });
  $('groups').querySelector('tbody').replaceChildren(...rows);
  $('no-groups').hidden = groups.length > 0;
}

async function showEntries() {
  const section = $('entries-section');
  if (!state.group) {
    section.hidden = true;
    return;
  }
  const group = state.group;
  const page = await api('GET', `entries?${query({ group: group.id, ...filters(), limit: '100' })}`);
  $('entries-title').textContent = `Entries of ${group.handler ?? '-'} · ${group.reason} · ${group.error}`;
  const rows = page.entries.map((entry) => {
    const row = el('tr');
    row.dataset.entry = entry.id;
    row.append(el('td', entry.id, 'mono'), el('td', entry.type), el('td', entry.attempts, 'num'), el('td', entry.replays, 'num replays'), el('td', when(entry.lastFailedAt)));
    const actions = el('td', null, 'actions');
    actions.append(
      button('View', () => showDetail(entry.id)),
      button('Replay', () => startReplay({ id: entry.id }, 'Replay of one entry'), 'mutation replay'),
      button('Remove…', () => remove(entry.id), 'mutation danger'),
    );
    row.append(actions);
    return row;
  });
  $('entries').querySelector('tbody').replaceChildren(...rows);
  $('entries-more').textContent = page.total > page.entries.length ? `Showing ${page.entries.length} of ${page.total}.` : '';
  section.hidden = false;
}

async function showDetail(id) {
  let entry;
  try {
    entry = await api('GET', `entries/${encodeURIComponent(id)}`);
  } catch (error) {
    if (error.status !== 404) throw error;
    state.detail = null;
    $('detail').hidden = true;
    return;
  }
  state.detail = id;
  $('detail-id').textContent = entry.id;
  const fields = [
    ['type', entry.type],
    ['handler', entry.handler ?? '- (undecodable: nothing to replay)'],
    ['reason', entry.reason],
    ['attempts', entry.attempts],
    ['replays', entry.replays ? `${entry.replays.count}, last ${when(entry.replays.lastAt)}` : '0'],
    ['last replay error', entry.replays?.lastError ? `${entry.replays.lastError.name}: ${entry.replays.lastError.message}` : undefined],
    ['instance', entry.instance],
    ['channel', entry.channel],
    ['first failed', when(entry.firstFailedAt)],
    ['last failed', when(entry.lastFailedAt)],
    ['dead-lettered', when(entry.deadLetteredAt)],
    ['event id', entry.envelope?.id],
    ['correlation id', entry.envelope?.correlationId],
    ['source', entry.envelope?.source],
  ];
  $('detail-fields').replaceChildren(...fields.filter(([, v]) => v !== undefined).flatMap(([k, v]) => [el('dt', k), el('dd', v)]));
  const { name, code, message, stack } = entry.error;
  $('detail-error').textContent = `${name}${code ? ` [${code}]` : ''}: ${message}`;
  $('detail-stack').textContent = stack ?? '(none recorded)';
  $('detail-body-title').textContent = entry.envelope ? 'Envelope' : 'Raw message';
  $('detail-body').textContent = entry.envelope ? JSON.stringify(entry.envelope, null, 2) : entry.raw ?? '';
  $('detail-replay').hidden = !entry.handler || !entry.envelope;
  $('detail-queue').hidden = !entry.handler || !entry.envelope;
  $('detail').hidden = false;
}

function confirmAction(text, okLabel) {
  const dialog = /** @type {HTMLDialogElement} */ ($('confirm'));
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = okLabel;
  dialog.showModal();
  return new Promise((resolve) => {
    const done = (answer) => {
      $('confirm-ok').removeEventListener('click', yes);
      $('confirm-cancel').removeEventListener('click', no);
      dialog.removeEventListener('cancel', no);
      dialog.close();
      resolve(answer);
    };
    const yes = () => done(true);
    const no = () => done(false);
    $('confirm-ok').addEventListener('click', yes);
    $('confirm-cancel').addEventListener('click', no);
    dialog.addEventListener('cancel', no);
  });
}

async function remove(id) {
  if (!(await confirmAction(`Remove dead letter ${id} for good? Its handler will not run again.`, 'Remove'))) return;
  await api('DELETE', `entries/${encodeURIComponent(id)}`);
  say(`Removed ${id}.`);
  await refresh();
}

async function purge(selection, question) {
  if (!(await confirmAction(question, 'Delete'))) {
    say('Nothing was deleted.');
    return;
  }
  const { purged } = await api('POST', 'purge', selection);
  say(`Deleted ${purged} dead letter(s).`);
  await refresh();
}

async function startReplay(body, title) {
  if (state.jobRunning) throw new Error('A replay is running; wait for it to finish.');
  state.jobRunning = true;
  $('job').dataset.status = 'starting';
  let job;
  try {
    job = await api('POST', 'replays', body);
  } catch (error) {
    state.jobRunning = false;
    $('job').dataset.status = 'failed';
    throw error;
  }
  $('job').hidden = false;
  $('job-title').textContent = title;
  $('job-failed').replaceChildren();
  say('');
  try {
    for (;;) {
      renderJob(job);
      if (job.status !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      job = await api('GET', `replays/${job.id}`);
    }
  } finally {
    state.jobRunning = false;
  }
  await refresh();
}

function renderJob(job) {
  const progress = /** @type {HTMLProgressElement} */ ($('job-progress'));
  progress.max = Math.max(1, job.total);
  progress.value = job.done;
  const counts = `${job.done} of ${job.total || '?'} done: ${job.replayed.length} replayed, ${job.failed.length} failed`;
  const status = job.status === 'running' ? `Replaying… ${counts}` : job.status === 'failed' ? `Stopped (${job.error}). ${counts}` : `Finished. ${counts}`;
  $('job-text').textContent = status;
  $('job').dataset.status = job.status;
  $('job-failed').replaceChildren(...job.failed.map((f) => el('li', `${f.id} · ${f.code} · ${f.reason}`)));
}

function init() {
  for (const id of ['filter-type', 'filter-handler', 'filter-reason']) $(id).addEventListener('change', () => void run(refresh));
  $('refresh').addEventListener('click', () => void run(refresh));
  $('replay-all').addEventListener('click', () =>
    void run(async () => {
      if (!(await confirmAction(`Replay all ${state.matching} dead letter(s) shown, one at a time?`, 'Replay'))) return;
      await startReplay({ all: true, ...filters() }, `Replay of ${state.matching} shown`);
    }),
  );
  $('purge').addEventListener('click', () =>
    void run(() => {
      const f = filters();
      const scope = f.type || f.handler || f.reason ? ' matching the filters' : '';
      return purge(f, `Delete all ${state.matching} dead letter(s)${scope} for good? This cannot be undone.`);
    }),
  );
  $('detail-close').addEventListener('click', () => ($('detail').hidden = !(state.detail = null)));
  $('detail-replay').addEventListener('click', () => void run(() => startReplay({ id: state.detail }, 'Replay of one entry')));
  $('detail-queue').addEventListener('click', () => void run(() => queueReplay(state.detail)));
  $('detail-remove').addEventListener('click', () => void run(() => remove(state.detail)));
  void run(refresh);
  // Instances report every 5 s; the table follows without reloading the rest.
  window.setInterval(() => void run(showInstances), INSTANCES_POLL_MS);
}

init();
