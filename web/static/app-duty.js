// app-duty.js: duty in the officer app (民警端): roll calls to answer with
// one's position, emergency call-outs to acknowledge, today's shifts, the
// duty list one holds, and — for members of the mass-prevention forces —
// their tasks and clues. It also words a check-in's verdict plainly.

import { ApiError, escapeHTML as h } from './api.js';
import { t, lang, fmtTime } from './i18n.js';

const hm = (v) => fmtTime(v).slice(0, 5);

/** checkInMessage says plainly what a recorded check-in shows. */
export function checkInMessage(c) {
  if (!c) return t('app.checkin.queued');
  const place = (c.place && c.place.name) || '';
  const d = c.distance_m == null ? '' : c.distance_m >= 1000 ? `${(c.distance_m / 1000).toFixed(1)} km` : `${Math.round(c.distance_m)} m`;
  switch (c.verdict) {
    case 'inside':
      return t('verdict.msg.inside', { p: place, d });
    case 'outside':
      return t('verdict.msg.outside', { p: place, d, r: (c.place && c.place.radius_m) || '' });
    case 'no_position':
      return t('verdict.msg.no_position');
    case 'no_place':
      return t('verdict.msg.no_place');
  }
  return t('app.checkin.done');
}

/**
 * AppDuty is the duty part of the officer app. position() returns the
 * phone's last position or null; message(text, isError) reports.
 */
export class AppDuty {
  constructor(client, { user, position, message }) {
    this.client = client;
    this.userID = user.id;
    this.personID = user.person_id || '';
    this.position = position;
    this.message = message;
    this.mine = null;
  }

  /** mount adds the duty cards to the app, after its first card. */
  mount(main) {
    const first = main.querySelector('.app-card');
    const html = `
      <section class="app-card alert" id="rollcall-card" aria-labelledby="rc-h" hidden>
        <h2 id="rc-h">${h(t('app.rc.title'))}</h2><div id="rollcall-body"></div></section>
      <section class="app-card alert" id="emergency-card" aria-labelledby="ec-h" hidden>
        <h2 id="ec-h">${h(t('app.ec.title'))}</h2><div id="emergency-body"></div></section>
      <section class="app-card" id="myduty-card" aria-labelledby="md-h">
        <h2 id="md-h">${h(t('app.myduty'))}</h2><div id="myduty-body"><p class="muted">${h(t('loading'))}</p></div></section>`;
    first.insertAdjacentHTML('afterend', html);
    this.main = main;
    // The cards follow the language of the page like the rest of the app.
    document.addEventListener('langchange', () => {
      main.querySelector('#rc-h').textContent = t('app.rc.title');
      main.querySelector('#ec-h').textContent = t('app.ec.title');
      main.querySelector('#md-h').textContent = t('app.myduty');
      this.render();
    });
  }

  /** say shows a message under the check-in button. */
  say(text, isError) {
    const el = document.getElementById('checkin-msg');
    if (!el) return this.message(text, isError);
    el.textContent = text;
    el.classList.toggle('error', !!isError);
  }

  /** checkedIn says what the server made of a check-in. */
  checkedIn(c) {
    this.say(checkInMessage(c), !(c && c.valid));
    const el = document.getElementById('checkin-msg');
    if (el) el.dataset.verdict = (c && c.verdict) || '';
    this.refresh();
  }

  /** onEvent looks again when the stream brings a duty event. */
  onEvent(type) {
    if (type.startsWith('duty.roll_call') || type.startsWith('duty.emergency') || type.startsWith('force.task')) {
      clearTimeout(this.soon);
      this.soon = setTimeout(() => this.refresh(), 200);
    }
  }

  async refresh() {
    try {
      this.mine = await this.client.get('/api/v1/me/duty');
    } catch (e) {
      if (!this.mine) this.main.querySelector('#myduty-body').innerHTML = `<p class="muted">${h(e instanceof ApiError ? e.text() : String(e))}</p>`;
      return;
    }
    this.render();
  }

  render() {
    const m = this.mine;
    if (!m) return;
    const now = new Date(m.at);
    const me = (rc) => (rc.members || []).find((x) => (x.user_id && x.user_id === this.userID) || (this.personID && x.person_id === this.personID));
    const open = (m.roll_calls || []).filter((rc) => rc.status === 'open' && new Date(rc.deadline) > now);
    const rcCard = this.main.querySelector('#rollcall-card');
    const waiting = open.filter((rc) => {
      const x = me(rc);
      return x && x.status === 'pending';
    });
    rcCard.hidden = !open.length;
    this.main.querySelector('#rollcall-body').innerHTML = open
      .map((rc) => {
        const x = me(rc) || {};
        const done = x.status === 'answered';
        return `<div class="rollcall" data-id="${h(rc.id)}" data-status="${h(x.status || '')}">
          <p><strong translate="no">${h(rc.title)}</strong> · ${h(t('app.rc.by', { t: hm(rc.deadline) }))}</p>
          ${done ? `<p class="verdict-inside">${h(t('app.rc.answered', { t: hm(x.answered_at) }))}${x.point ? '' : ` · ${h(t('app.rc.nopos'))}`}</p>` : `<button type="button" class="primary big" data-ack="${h(rc.id)}">${h(t('app.rc.ack'))}</button>`}
        </div>`;
      })
      .join('');
    rcCard.dataset.waiting = String(waiting.length);
    for (const b of rcCard.querySelectorAll('button[data-ack]')) b.addEventListener('click', () => this.answer(b.dataset.ack, b));

    const calls = (m.emergency_calls || []).filter((c) => (c.members || []).some((x) => x.channel === 'app'));
    const ecCard = this.main.querySelector('#emergency-card');
    ecCard.hidden = !calls.length;
    this.main.querySelector('#emergency-body').innerHTML = calls
      .map((c) => {
        const x = (c.members || []).find((y) => y.user_id === this.userID || (this.personID && y.person_id === this.personID)) || {};
        return `<div data-id="${h(c.id)}" data-status="${h(x.status || '')}"><p><strong translate="no">${h(c.name)}</strong> ${h(hm(c.at))}${c.note ? ` · <span translate="no">${h(c.note)}</span>` : ''}</p>
          ${x.status === 'acknowledged' ? `<p class="verdict-inside">${h(t('app.ec.acked'))}</p>` : `<button type="button" class="primary" data-ec="${h(c.id)}">${h(t('app.ec.ack'))}</button>`}</div>`;
      })
      .join('');
    for (const b of ecCard.querySelectorAll('button[data-ec]')) b.addEventListener('click', () => this.ackCall(b.dataset.ec, b));

    const shifts = (m.shifts || []).map((s) => `<li data-shift="${h(s.id)}">${h(hm(s.start))}–${h(hm(s.end))} <strong translate="no">${h(s.name)}</strong>${s.on ? ` <span class="status s-available">${h(t('duty.shift.on'))}</span>` : ''}</li>`).join('');
    const items = (m.duty_items || []).map((it) => `<li>${h(lang() === 'en' ? it.name_en : it.name)}</li>`).join('');
    const tasks = (m.tasks || [])
      .map((task) => {
        const mine = (task.assignees || []).find((a) => a.user_id === this.userID) || {};
        return `<li data-task="${h(task.id)}"><strong translate="no">${h(task.title)}</strong> <small class="muted">${h(t('task.' + task.kind))}</small>
          ${task.detail ? `<br><small translate="no">${h(task.detail)}</small>` : ''}
          ${mine.ack_at ? `<span class="status s-available">${h(t('app.task.acked'))}</span>` : `<button type="button" data-task-ack="${h(task.id)}">${h(t('app.task.ack'))}</button>`}
          <form class="clue-form" data-task="${h(task.id)}"><input name="text" placeholder="${h(t('app.clue.placeholder'))}" maxlength="500" required><button type="submit">${h(t('app.clue.send'))}</button></form></li>`;
      })
      .join('');
    // The place's name is a proper name inside the translated sentence.
    const place = m.place
      ? `<p class="muted" id="checkin-place">${h(t('app.place', { p: '\u0001', r: m.place.radius_m })).replace('\u0001', `<span translate="no">${h(m.place.name)}</span>`)}</p>`
      : '';
    this.main.querySelector('#myduty-body').innerHTML = `${place}
      <h3>${h(t('app.shifts'))}</h3><ul class="duty-list" id="my-shifts">${shifts || `<li class="muted">${h(t('app.noshifts'))}</li>`}</ul>
      ${items ? `<h3>${h(t('app.dutylist'))}</h3><ol class="duty-items" id="my-duty-items">${items}</ol>` : ''}
      ${tasks ? `<h3>${h(t('app.forcetasks'))}</h3><ul class="duty-list" id="my-force-tasks">${tasks}</ul>` : ''}`;
    for (const b of this.main.querySelectorAll('button[data-task-ack]')) {
      b.addEventListener('click', () => this.post(`/api/v1/force-tasks/${encodeURIComponent(b.dataset.taskAck)}/ack`, undefined, b, t('app.task.acked')));
    }
    for (const f of this.main.querySelectorAll('form.clue-form')) {
      f.addEventListener('submit', (e) => {
        e.preventDefault();
        const p = this.position();
        this.post('/api/v1/clues', { task_id: f.dataset.task, text: f.text.value, point: p || undefined }, f.querySelector('button'), t('app.clue.sent'));
      });
    }
  }

  async post(path, body, button, done) {
    if (button) button.disabled = true;
    try {
      await this.client.post(path, body);
      this.message(done);
      await this.refresh();
    } catch (e) {
      this.message(e instanceof ApiError ? e.text() : String(e), true);
      if (button) button.disabled = false;
    }
  }

  /** answer answers a roll call with the phone's position, or says there is none. */
  async answer(id, button) {
    const p = this.position();
    await this.post(`/api/v1/roll-calls/${encodeURIComponent(id)}/ack`, { point: p }, button, p ? t('app.rc.sent') : t('app.rc.sentnopos'));
  }

  async ackCall(id, button) {
    await this.post(`/api/v1/emergency-calls/${encodeURIComponent(id)}/ack`, undefined, button, t('app.ec.acked'));
  }
}
