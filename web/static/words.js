// words.js: lists and labels of the domain shared by the pages.

import { t, pick, has } from './i18n.js';

/** placeTypes lists the place types in display order (precinct.PlaceTypes). */
export const placeTypes = ['street', 'park', 'square', 'mall', 'compound', 'unit', 'urban_village', 'village', 'road'];

/** sources lists incident sources (precinct.Source). */
export const sources = ['call_110', 'walk_in', 'patrol', 'grid', 'anti_fraud'];

/** openStatuses are the incident states that still need the command office. */
export const openStatuses = ['received', 'dispatched', 'en_route', 'on_scene', 'resolved', 'handed_over'];

/** activeStatuses are the states in which an incident holds units. */
export const activeStatuses = ['dispatched', 'en_route', 'on_scene'];

/** Verbs of event types ("incident.<verb>") and the phrase each shows as. */
const verbs = {
  created: ['接警', 'Call taken'],
  received: ['接警', 'Call taken'],
  routed: ['分流', 'Routed'],
  dispatched: ['派警', 'Dispatched'],
  dispatch: ['派警', 'Dispatched'],
  accepted: ['接收', 'Accepted'],
  accept: ['接收', 'Accepted'],
  en_route: ['在途', 'En route'],
  'en-route': ['在途', 'En route'],
  enroute: ['在途', 'En route'],
  arrived: ['到达现场', 'Arrived'],
  arrive: ['到达现场', 'Arrived'],
  on_scene: ['到达现场', 'Arrived'],
  resolved: ['现场处置完毕', 'Resolved on scene'],
  resolve: ['现场处置完毕', 'Resolved on scene'],
  handed_over: ['移交', 'Handed over'],
  handover: ['移交', 'Handed over'],
  reinforced: ['梯次增援', 'Reinforced'],
  reinforce: ['梯次增援', 'Reinforced'],
  pushed: ['推送警务站', 'Pushed to service station'],
  push: ['推送警务站', 'Pushed to service station'],
  closed: ['结警', 'Closed'],
  close: ['结警', 'Closed'],
  callback: ['回访', 'Called back'],
  callback_done: ['回访', 'Called back'],
  called_back: ['回访', 'Called back'],
  shared: ['共享', 'Shared'],
  unit_cancelled: ['取消派警', 'Unit cancelled'],
  reassigned: ['改派', 'Reassigned'],
  noted: ['追加警情', 'Caller added'],
  corrected: ['更正', 'Corrected'],
  linked: ['关联重复报警', 'Linked as a repeated call'],
  updated: ['更新', 'Updated'],
};

/** eventLabel returns the phrase of a timeline event. */
export function eventLabel(ev) {
  const verb = String(ev.type || '').split('.').pop();
  const v = verbs[verb];
  return v ? pick(v[0], v[1]) : ev.type;
}

/**
 * eventDetailHTML is eventDetail as HTML, with names and what people wrote
 * (units, notes, comments) marked as not to be translated. esc escapes text.
 */
export function eventDetailHTML(ev, unitName, esc) {
  return eventParts(ev, unitName)
    .map(([text, name]) => (name ? `<span translate="no">${esc(text)}</span>` : esc(text)))
    .join(' · ');
}

/**
 * eventDetail returns a short description of an event's data: the units sent,
 * the rule that chose them, a note. unitName names a unit ID.
 */
export function eventDetail(ev, unitName) {
  return eventParts(ev, unitName).map(([text]) => text).join(' · ');
}

/** The closing codes of the sub-bureau (its rules' desk), by code. */
const dispositions = new Map();

/** setDispositions learns the closing codes [{code, name, name_en}]. */
export function setDispositions(list) {
  dispositions.clear();
  for (const d of list || []) dispositions.set(d.code, d);
}

/** dispositionName names a closing code in the page's language. */
export function dispositionName(code) {
  const d = dispositions.get(code);
  return d ? pick(d.name, d.name_en) : t('disposition.unknown');
}

/** eventParts returns the parts of an event's description as [text, isName]. */
function eventParts(ev, unitName) {
  let d = ev.data;
  if (typeof d === 'string') {
    try {
      d = JSON.parse(d);
    } catch (e) {
      return [[d, true]];
    }
  }
  if (!d || typeof d !== 'object') return [];
  const parts = [];
  if (Array.isArray(d.units) && d.units.length) parts.push([d.units.map(unitName).join('、'), true]);
  if (d.unit_id) parts.push([unitName(d.unit_id), true]);
  if (d.rule_id) parts.push([`${t('incident.rule')} ${ruleName(d.rule_id)}`]);
  if (d.route && d.route.rule_id) parts.push([`${t('incident.rule')} ${ruleName(d.route.rule_id)}`]);
  if (d.reason || d.reason_en) parts.push([pick(d.reason, d.reason_en), true]);
  if (d.wave) parts.push([t('recs.wave', { n: d.wave })]);
  if (d.new_unit) parts.push([t('reassign.to')], [unitName(d.new_unit), true]);
  if (d.disposition) parts.push([`${t('close.disposition')} ${dispositionName(d.disposition)}`]);
  if (d.duplicate_of) parts.push([t('link.of')]);
  if (d.correction && typeof d.correction === 'object') {
    for (const [k, v] of Object.entries(d.correction)) {
      const was = d.was ? d.was[k] : '';
      if (k === 'category') {
        parts.push([t('correct.category')]); // the incident shows its category by name
        continue;
      }
      const show = (x) => (k === 'place_type' ? t('place.' + x) : String(x ?? '—'));
      parts.push([`${t('correct.' + k)}: ${show(was)} → ${show(v)}`, k === 'address' || k === 'description']);
    }
  }
  if (d.to) parts.push(has('handover.' + d.to) ? [`${t('handover.to')} ${t('handover.' + d.to)}`] : [d.to, true]);
  if (d.note) parts.push([d.note, true]);
  if (d.satisfaction) parts.push([`${t('callback.satisfaction')} ${d.satisfaction}`]);
  if (d.comment) parts.push([d.comment, true]);
  return parts;
}


/** ruleName names a routing rule by its ID; a rule of the sub-bureau's own is a custom rule. */
export function ruleName(id) {
  if (!id) return '—';
  return has('rule.' + id) ? t('rule.' + id) : t('rule.custom');
}

/** routerName says how travel times were estimated ("road", "straight-line"). */
export function routerName(name) {
  return has('router.' + name) ? t('router.' + name) : t('router.straight-line');
}
