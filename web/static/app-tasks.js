// app-tasks.js: the day's tasks on the police-grid map (警格地图) in the
// officer app: what the workflows ask of the officer today — reports of the
// grid to check on, dispute follow-up visits due, reports to evaluate —
// listed and pinned on the map. A task done without a connection waits in
// the outbox (outbox.js) and is sent once, with its Idempotency-Key, when
// the connection returns; the list is kept for use offline.

import { escapeHTML as h } from './api.js';
import { t, pick, fmtDateTime } from './i18n.js';

const cacheKey = 'precinct.daytasks';

/** The actions the app can do from a task, with the body it sends. */
const doable = {
  follow_up: () => ({ note: pick('已回访，协议履行正常', 'Visited: the agreement is kept'), data: { fulfilled: true } }),
  urge: () => ({ note: pick('已督办承办单位', 'Urged the handler') }),
  evaluate: () => ({ satisfied: true, note: pick('已现场核实', 'Checked on the spot') }),
};

/** today is the date in China Standard Time, YYYY-MM-DD. */
function today() {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

/** DayTasks is the task list of the officer app. */
export class DayTasks {
  constructor(app) {
    this.app = app;
    this.items = [];
    this.done = new Set(); // tasks done on the phone, until the server shows it
  }

  /** restore marks the tasks whose actions still wait in the outbox. */
  async restore(outbox) {
    for (const e of await outbox.entries()) if (e.kind === 'task') this.done.add(e.taskId);
  }

  async load() {
    const date = today();
    try {
      const out = await this.app.client.get(`/api/v1/tasks?date=${date}`);
      this.items = (out && out.items) || [];
      localStorage.setItem(cacheKey, JSON.stringify({ date, items: this.items }));
    } catch (e) {
      if (e.code !== 'ENETWORK') return;
      const c = JSON.parse(localStorage.getItem(cacheKey) || 'null');
      if (c && c.date === date) this.items = c.items;
    }
  }

  path(task, step) {
    const base = { dispute: 'disputes', dissuasion: 'dissuasion-tasks', publicity: 'publicity-tasks' }[task.kind] || 'grid-reports';
    return `/api/v1/${base}/${encodeURIComponent(task.item_id)}/${step || task.step}`;
  }

  /** send queues an action of a task with a form's body (a dissuasion's
   * outcome, a publicity done with its photos). */
  async send(id, step, body) {
    const task = this.items.find((x) => x.id === id);
    if (!task || this.done.has(id)) return;
    this.done.add(id);
    this.render();
    await this.app.outbox.add({ method: 'POST', path: this.path(task, step), body, label: `task.step.${task.step}`, kind: 'task', taskId: id });
    if (!navigator.onLine) this.app.message(t('act.queued', { a: t(`task.step.${task.step}`) }));
  }

  /** form is the small form of a task that needs more than a tap. */
  form(x) {
    if (this.done.has(x.id)) return '';
    if (x.kind === 'dissuasion' && x.step === 'report') {
      return `<form class="task-form" data-task-id="${h(x.id)}" data-form="dissuasion">
        <select name="contact" aria-label="${h(t('dsn.contact'))}"><option value="phone">${h(t('dsn.phone'))}</option><option value="in_person">${h(t('dsn.in_person'))}</option><option value="">${h(t('dsn.unreached'))}</option></select>
        <label><input type="checkbox" name="dissuaded" checked> ${h(t('dsn.dissuaded'))}</label>
        <label>${h(t('dsn.lost'))} <input type="number" name="lost" min="0" step="1" value="0" inputmode="numeric"></label>
        <label><input type="checkbox" name="referred"> ${h(t('dsn.referred'))}</label>
        <button type="submit">${h(t('dsn.send'))}</button></form>`;
    }
    if (x.kind === 'publicity' && x.step === 'done') {
      return `<form class="task-form" data-task-id="${h(x.id)}" data-form="publicity">
        <label>${h(t('pub.note'))} <input name="note" required></label>
        <label>${h(t('pub.photo'))} <input type="file" name="photo" accept="image/*" capture="environment" required></label>
        <button type="submit">${h(t('dsn.send'))}</button></form>`;
    }
    return '';
  }

  async submit(f) {
    const id = f.dataset.taskId;
    if (f.dataset.form === 'dissuasion') {
      const contact = f.elements.contact.value;
      if (!contact) return this.send(id, 'unreached', { note: t('dsn.unreached') });
      const lost = Number(f.elements.lost.value) || 0;
      return this.send(id, 'report', { data: { contact, dissuaded: f.elements.dissuaded.checked, lost, referred: f.elements.referred.checked || lost > 0 } });
    }
    const file = f.elements.photo.files[0];
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    let bin = '';
    for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return this.send(id, 'done', { note: f.elements.note.value, photos: [{ content_type: file.type, data: btoa(bin) }] });
  }

  async complete(id) {
    const task = this.items.find((x) => x.id === id);
    if (!task || !doable[task.step] || this.done.has(id)) return;
    this.done.add(id);
    this.render();
    await this.app.outbox.add({ method: 'POST', path: this.path(task), body: doable[task.step](), label: `task.step.${task.step}`, kind: 'task', taskId: id });
    if (!navigator.onLine) this.app.message(t('act.queued', { a: t(`task.step.${task.step}`) }));
  }

  applied(entry) {
    if (entry.kind !== 'task') return;
    this.app.message(t('act.done', { a: t(entry.label) }));
  }

  failed(entry) {
    if (entry.kind === 'task') this.done.delete(entry.taskId);
  }

  /** markers are the tasks' places for the grid map. */
  markers() {
    return this.items
      .filter((x) => x.location && (x.location.lon || x.location.lat))
      .map((x) => ({ lon: x.location.lon, lat: x.location.lat, color: this.done.has(x.id) ? '#16a34a' : x.overdue ? '#ea580c' : '#7c3aed', label: x.title }));
  }

  render() {
    const el = document.getElementById('day-tasks');
    if (!el) return;
    if (!this.items.length) {
      el.innerHTML = `<li class="muted">${h(t('task.none'))}</li>`;
      return;
    }
    el.innerHTML = this.items
      .map((x) => {
        const done = this.done.has(x.id);
        const button = doable[x.step] && !done ? `<button type="button" class="task-do" data-task-id="${h(x.id)}">${h(t(`task.step.${x.step}`))}</button>` : '';
        const state = done ? t('task.done') : x.overdue ? t('task.overdue') : x.due_at ? t('task.due', { t: fmtDateTime(x.due_at) }) : '';
        return `<li data-task-id="${h(x.id)}" data-done="${done}" data-overdue="${!!x.overdue}"><span><strong translate="no">${h(x.title)}</strong><br>
          <small class="muted">${h(t(`task.kind.${x.kind}`))} · ${h(state)}</small>${this.form(x)}</span>${button}</li>`;
      })
      .join('');
    for (const b of el.querySelectorAll('button.task-do')) b.addEventListener('click', () => this.complete(b.dataset.taskId));
    for (const f of el.querySelectorAll('form.task-form')) {
      f.addEventListener('submit', (e) => {
        e.preventDefault();
        this.submit(f);
      });
    }
  }
}
