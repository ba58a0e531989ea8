// The inbox page's behaviour: live updates over server-sent events (each
// event makes the page fetch the rendered entries it lacks), clearing the
// journal, and the copy / reveal buttons. All HTML comes rendered and
// sanitized from the server; this script never builds markup from data.
(() => {
  'use strict';

  const stream = document.getElementById('stream');
  const robotsNav = document.getElementById('robots');
  const empty = document.getElementById('empty');
  const live = document.getElementById('live');
  const jump = document.getElementById('jump');
  if (!stream) return;

  // The view's query (robot=…, group=…, app=…&staff=…); a group's or a
  // one-to-one chat's timeline is fetched whole and merged, because its
  // items change (a bot's answer arrives under a member's message).
  const view = stream.dataset.query || '';
  const timeline = stream.dataset.mode === 'timeline';
  let lastSeq = Number(stream.dataset.lastSeq || 0);
  const maxShown = 500;

  const nearBottom = () => stream.scrollHeight - stream.scrollTop - stream.clientHeight < 80;
  const toBottom = () => { stream.scrollTop = stream.scrollHeight; jump.hidden = true; };
  const entries = () => stream.querySelectorAll(':scope > .entry, :scope > .thread');
  const syncEmpty = () => { empty.hidden = entries().length > 0; };

  function query(extra) {
    const q = new URLSearchParams(view);
    for (const [k, v] of Object.entries(extra)) q.set(k, v);
    return q.toString();
  }

  // refresh fetches what changed; calls made while one runs are folded
  // into one more round.
  let running = false;
  let again = false;
  async function refresh() {
    if (running) { again = true; return; }
    running = true;
    try {
      do {
        again = false;
        await (timeline ? loadTimeline() : loadEntries());
        await loadRobots();
      } while (again);
    } catch (err) {
      console.warn('inbox: refresh failed', err);
    } finally {
      running = false;
    }
  }

  async function loadEntries() {
    const res = await fetch('_inbox/entries?' + query({ since: String(lastSeq) }), { cache: 'no-store' });
    if (!res.ok) throw new Error('entries: HTTP ' + res.status);
    const oldest = Number(res.headers.get('X-Inbox-Oldest') || 0);
    const last = Number(res.headers.get('X-Inbox-Last-Seq') || lastSeq);
    const html = await res.text();
    const stick = nearBottom();
    // Entries the journal no longer holds were cleared or dropped.
    for (const el of entries()) {
      if (Number(el.dataset.seq) < oldest) el.remove();
    }
    let added = 0;
    if (html.trim() !== '') {
      const t = document.createElement('template');
      t.innerHTML = html;
      added = t.content.querySelectorAll('.entry').length;
      stream.append(t.content);
    }
    const all = entries();
    for (let i = 0; i < all.length - maxShown; i++) all[i].remove();
    lastSeq = Math.max(lastSeq, last);
    stream.dataset.lastSeq = String(lastSeq);
    syncEmpty();
    if (added > 0) {
      if (stick) toBottom(); else jump.hidden = false;
    }
  }

  // loadTimeline fetches the whole timeline and merges it by id: new
  // items are inserted in order, changed ones (data-ver) replaced, gone
  // ones removed; unchanged ones stay as they are (an open "Raw request"
  // stays open).
  async function loadTimeline() {
    const res = await fetch('_inbox/entries?' + query({}), { cache: 'no-store' });
    if (!res.ok) throw new Error('timeline: HTTP ' + res.status);
    const t = document.createElement('template');
    t.innerHTML = await res.text();
    const stick = nearBottom();
    const fresh = [...t.content.children].filter((el) => el.id);
    const ids = new Set(fresh.map((el) => el.id));
    for (const el of [...stream.children]) {
      if (el !== empty && !ids.has(el.id)) el.remove();
    }
    let prev = empty;
    let added = 0;
    for (const el of fresh) {
      const old = document.getElementById(el.id);
      if (old && old.parentNode === stream && old.dataset.ver === el.dataset.ver) { prev = old; continue; }
      if (old && old.parentNode === stream) old.replaceWith(el); else { prev.after(el); added++; }
      prev = el;
    }
    lastSeq = Math.max(lastSeq, Number(res.headers.get('X-Inbox-Last-Seq') || 0));
    stream.dataset.lastSeq = String(lastSeq);
    empty.hidden = fresh.length > 0;
    if (added > 0) {
      if (stick) toBottom(); else jump.hidden = false;
    }
  }

  async function loadRobots() {
    const res = await fetch('_inbox/robots?' + query({}), { cache: 'no-store' });
    if (!res.ok) throw new Error('robots: HTTP ' + res.status);
    robotsNav.innerHTML = await res.text();
  }

  function setLive(state, text) {
    live.dataset.state = state;
    live.textContent = text;
  }

  // The event stream is read with fetch() rather than EventSource: a
  // headless browser waiting for the page to go idle (chromium
  // --virtual-time-budget, prerenderers) counts an open EventSource as a
  // load that never ends, but not a streamed fetch body. The server speaks
  // plain server-sent events; this reads "retry:" and "event:" lines and
  // reconnects after the retry delay when the stream ends.
  async function connect() {
    if (!window.fetch || !window.ReadableStream || !window.TextDecoder) return;
    let retry = 2000;
    for (;;) {
      try {
        const res = await fetch('_inbox/events', { cache: 'no-store', headers: { Accept: 'text/event-stream' } });
        if (res.status === 204) { setLive('offline', 'Offline'); return; } // the server is closing
        if (!res.ok || !res.body) throw new Error('events: HTTP ' + res.status);
        setLive('live', 'Live');
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
          let end;
          while ((end = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            let name = 'message';
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) name = line.slice(6).trim();
              else if (line.startsWith('retry:')) retry = Number(line.slice(6)) || retry;
            }
            if (name === 'change' || name === 'robots') refresh();
          }
        }
      } catch (err) {
        console.warn('inbox: event stream', err);
      }
      setLive('offline', 'Reconnecting…');
      await new Promise((resolve) => setTimeout(resolve, retry));
    }
  }

  // Clear without leaving the page; the form still works without script.
  const clearForm = document.getElementById('clear-form');
  clearForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const res = await fetch(clearForm.action, { method: 'POST', headers: { 'X-Requested-With': 'inbox' } });
      if (!res.ok) throw new Error('clear: HTTP ' + res.status);
    } catch (err) {
      console.warn('inbox: clear failed', err);
    }
    refresh();
  });

  // Typing as a member, in a group or one to one (data-direct): the form
  // works without script (a plain
  // post to _inbox/say); with script it posts JSON to the admin API's say
  // (the same guard, content type and token rules as any admin call) and
  // stays on the page, where the message and the bot's answer appear live.
  const sayForm = document.getElementById('say-form');
  if (sayForm) {
    const textIn = document.getElementById('say-text');
    const status = document.getElementById('say-status');
    const send = document.getElementById('say-send');
    const say = (state, msg) => { status.dataset.state = state; status.textContent = msg; };
    sayForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const robotEl = document.getElementById('say-robot');
      const botName = (robotEl.selectedOptions ? robotEl.selectedOptions[0] : robotEl).dataset.name;
      const at = '@' + botName;
      let text = textIn.value.trim();
      if (!text) { say('error', 'Type a message first.'); textIn.focus(); return; }
      if (!sayForm.dataset.direct && !text.includes(at)) {
        if (!document.getElementById('say-mention').checked) {
          say('error', 'DingTalk sends a group message to a bot only when it @-mentions the bot: tick “@-mention the bot” or write ' + at + ' in the message.');
          return;
        }
        text = at + ' ' + text;
      }
      send.disabled = true;
      say('busy', 'Sent; waiting for ' + botName + '…');
      try {
        const res = await fetch(sayForm.dataset.api, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(sayForm.dataset.direct
            ? { staffId: document.getElementById('say-member').value, text }
            : { staffId: document.getElementById('say-member').value, text, robotCode: robotEl.value }),
        });
        if (res.ok) {
          textIn.value = '';
          say('ok', '');
        } else {
          let why = 'HTTP ' + res.status;
          try { why = (await res.json()).error || why; } catch (_) { /* not JSON */ }
          say('error', 'Not sent: ' + why);
        }
      } catch (err) {
        say('error', 'Not sent: ' + err);
      } finally {
        send.disabled = false;
        textIn.focus();
      }
      refresh();
    });
  }

  async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      try { await navigator.clipboard.writeText(text); return true; } catch (_) { /* fall back below */ }
    }
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.setAttribute('readonly', '');
    ta.className = 'offscreen';
    document.body.appendChild(ta);
    ta.select();
    let ok = false;
    try { ok = document.execCommand('copy'); } catch (_) { ok = false; }
    ta.remove();
    return ok;
  }

  document.addEventListener('click', async (ev) => {
    const btn = ev.target.closest('button');
    if (!btn) return;
    if (btn.dataset.copyFrom) {
      const src = document.getElementById(btn.dataset.copyFrom);
      if (!src) return;
      const text = src.dataset.secret !== undefined ? src.dataset.secret : src.textContent;
      const ok = await copyText(text);
      const label = btn.textContent;
      btn.textContent = ok ? 'Copied' : 'Copy failed';
      btn.classList.toggle('done', ok);
      setTimeout(() => { btn.textContent = label; btn.classList.remove('done'); }, 1500);
    } else if (btn.dataset.reveal) {
      const el = document.getElementById(btn.dataset.reveal);
      if (!el) return;
      const hidden = el.dataset.hidden === 'true';
      el.textContent = hidden ? el.dataset.secret : '•'.repeat(20);
      el.dataset.hidden = hidden ? 'false' : 'true';
      btn.textContent = hidden ? 'Hide' : 'Show';
    } else if (btn === jump) {
      toBottom();
    }
  });
  stream.addEventListener('scroll', () => { if (nearBottom()) jump.hidden = true; });

  syncEmpty();
  toBottom();
  connect();
})();
