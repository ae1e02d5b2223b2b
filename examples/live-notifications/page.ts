/**
 * The one page the service serves: the live feed of a user, and a form to post.
 * Everything is inline (no external assets); the script only ever sets textContent,
 * so notification text cannot inject markup.
 */
export function renderPage(options: { readonly instance: string; readonly nonce: string }): string {
  const instance = options.instance.replace(/[^A-Za-z0-9_.:-]/g, '');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Live notifications · ${instance}</title>
<style nonce="${options.nonce}">
  :root { font-family: system-ui, "DejaVu Sans", sans-serif; color: #1d2433; background: #f3f5f9; }
  body { margin: 0; }
  header { background: #1d2433; color: #fff; padding: 14px 24px; display: flex; gap: 16px; align-items: center; flex-wrap: wrap; }
  header h1 { font-size: 18px; margin: 0 12px 0 0; }
  .chip { background: #2f3a52; border-radius: 12px; padding: 3px 10px; font-size: 13px; }
  #status { font-weight: 600; }
  #status[data-state="live"] { background: #1f8a4c; }
  #status[data-state="reconnecting"] { background: #b7791f; }
  #status[data-state="closed"] { background: #b83232; }
  main { max-width: 760px; margin: 20px auto; padding: 0 16px; }
  form { display: flex; gap: 8px; background: #fff; padding: 12px; border-radius: 8px; box-shadow: 0 1px 3px #0002; }
  input { font: inherit; padding: 6px 8px; border: 1px solid #c5ccd8; border-radius: 6px; }
  #text { flex: 1; }
  #to { width: 130px; }
  button { font: inherit; background: #2b5fd9; color: #fff; border: 0; border-radius: 6px; padding: 6px 16px; cursor: pointer; }
  #sent, #notice { font-size: 13px; margin: 8px 2px; color: #56607a; min-height: 1em; }
  #notice { color: #9a5b00; }
  ul { list-style: none; padding: 0; margin: 8px 0; }
  li { background: #fff; border-radius: 8px; padding: 10px 14px; margin-bottom: 8px; box-shadow: 0 1px 3px #0002; border-left: 4px solid #2b5fd9; }
  li.private { border-left-color: #8a3ffc; }
  .meta { font-size: 13px; color: #56607a; display: flex; gap: 8px; }
  .badge { background: #8a3ffc; color: #fff; border-radius: 10px; padding: 0 8px; font-size: 12px; }
  .text { font-size: 16px; margin: 4px 0; }
  .ids { font-size: 12px; color: #7a8499; }
  code { font-size: 12px; }
</style>
</head>
<body>
<header>
  <h1>Live notifications</h1>
  <span class="chip">instance <b id="instance">${instance}</b></span>
  <span class="chip">user <b id="user"></b></span>
  <span class="chip">via <b id="transport"></b></span>
  <span class="chip" id="status" data-state="connecting">connecting</span>
</header>
<main>
  <form id="post">
    <input id="text" name="text" maxlength="500" placeholder="Say something" required autocomplete="off">
    <input id="to" name="to" placeholder="to: everyone" autocomplete="off">
    <button type="submit">Send</button>
  </form>
  <div id="sent"></div>
  <div id="notice"></div>
  <ul id="feed" data-testid="feed"></ul>
</main>
<script nonce="${options.nonce}">
(() => {
  const params = new URLSearchParams(location.search);
  const user = params.get('user') || 'guest';
  const transport = params.get('transport') === 'ws' ? 'ws' : 'sse';
  const $ = (id) => document.getElementById(id);
  const seen = new Set();
  let lastEventId = '';
  $('user').textContent = user;
  $('transport').textContent = transport === 'ws' ? 'WebSocket' : 'SSE';

  function setStatus(state) {
    $('status').dataset.state = state;
    $('status').textContent = state;
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function show(envelope) {
    lastEventId = envelope.id;
    if (seen.has(envelope.id)) return;
    seen.add(envelope.id);
    const p = envelope.payload || {};
    const item = el('li', p.to ? 'private' : '');
    item.dataset.eventId = envelope.id;
    item.dataset.correlationId = envelope.correlationId;
    item.dataset.receivedAt = String(Date.now());
    const meta = el('div', 'meta');
    meta.append(el('b', 'from', String(p.from)));
    meta.append(el('span', '', p.to ? 'to ' + p.to : 'to everyone'));
    if (p.to) meta.append(el('span', 'badge', 'private'));
    meta.append(el('time', '', new Date(envelope.timestamp).toLocaleTimeString()));
    item.append(meta, el('div', 'text', String(p.text)));
    const ids = el('div', 'ids', 'correlation ');
    ids.append(el('code', 'correlation', envelope.correlationId), ' · source ', el('code', '', envelope.source || '?'));
    item.append(ids);
    $('feed').prepend(item);
  }

  function gap() {
    $('notice').textContent = 'Some notifications may be missing: you were away longer than this instance remembers.';
  }

  function connectSse() {
    // EventSource reconnects on its own, after the server's retry: hint, with Last-Event-ID.
    const source = new EventSource('/events?user=' + encodeURIComponent(user));
    source.onopen = () => setStatus('live');
    source.onmessage = (message) => show(JSON.parse(message.data));
    source.addEventListener('gap', gap);
    source.onerror = () => setStatus(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
  }

  let failures = 0;
  function connectWs() {
    const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    const resume = lastEventId ? '&lastEventId=' + encodeURIComponent(lastEventId) : '';
    const socket = new WebSocket(scheme + location.host + '/ws?user=' + encodeURIComponent(user) + resume);
    socket.onopen = () => { failures = 0; setStatus('live'); };
    socket.onmessage = (message) => {
      const frame = JSON.parse(message.data);
      if (frame.event === 'gap' && frame.type === undefined) gap();
      else show(frame);
    };
    socket.onclose = (event) => {
      setStatus('reconnecting');
      let delay = Math.min(500 * 2 ** failures++, 10000);
      // 1012 (restart) and 1001 (going away) carry the server's hint: {"retryMs":n}.
      if (event.code === 1012 || event.code === 1001) {
        try { delay = JSON.parse(event.reason).retryMs; } catch { /* keep the backoff */ }
      }
      setTimeout(connectWs, delay);
    };
  }

  $('post').addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = $('text').value.trim();
    const to = $('to').value.trim();
    const response = await fetch('/notifications?user=' + encodeURIComponent(user), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(to ? { text, to } : { text }),
    });
    const body = await response.json().catch(() => ({}));
    $('sent').textContent = response.ok
      ? 'sent through ' + body.instance + ', correlation id ' + body.correlationId
      : 'not sent: ' + (body.error || response.status);
    if (response.ok) $('text').value = '';
  });

  if (transport === 'ws') connectWs(); else connectSse();
})();
</script>
</body>
</html>
`;
}
