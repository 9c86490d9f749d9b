// geocode.js: address search for the call-taking form. As the dispatcher
// types an address (characters, pinyin or initials: "xhdd" → 新华大道), the
// server's candidates (GET /api/v1/geocode) are listed under the field; the
// one chosen is proposed on the map, and becomes the incident's place only
// when the dispatcher confirms it.

import { escapeHTML as h } from './api.js';
import { t } from './i18n.js';

/**
 * attachGeocoder lists candidates under input (in list, an <ol>) and calls
 * onPropose(place) for the one chosen with the mouse or Enter.
 */
export function attachGeocoder(client, input, list, onPropose) {
  let timer = 0;
  let asked = '';
  let items = [];
  let cursor = -1;
  const close = () => {
    list.hidden = true;
    list.innerHTML = '';
    items = [];
    cursor = -1;
    input.setAttribute('aria-expanded', 'false');
  };
  const render = () => {
    if (!items.length) {
      list.innerHTML = `<li class="muted">${h(t('geocode.none'))}</li>`;
    } else {
      list.innerHTML = items
        .map((p, i) => `<li role="option" id="gc-${i}" data-index="${i}" aria-selected="${i === cursor}">
          <span class="name" translate="no">${h(p.name)}</span> <small class="kind">${h(t('place.kind.' + p.kind))}</small></li>`)
        .join('');
      for (const li of list.querySelectorAll('li[data-index]')) {
        li.addEventListener('mousedown', (e) => {
          e.preventDefault(); // keep the focus in the field
          choose(Number(li.dataset.index));
        });
      }
    }
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    if (cursor >= 0) input.setAttribute('aria-activedescendant', `gc-${cursor}`);
  };
  const choose = (i) => {
    const p = items[i];
    if (!p) return;
    close();
    onPropose(p);
  };
  const search = async () => {
    const q = input.value.trim();
    if (!q) return close();
    asked = q;
    try {
      const out = await client.get(`/api/v1/geocode?q=${encodeURIComponent(q)}&limit=8`);
      if (asked !== q || input.value.trim() !== q) return; // typed on meanwhile
      items = (out && out.items) || [];
      cursor = items.length ? 0 : -1;
      render();
    } catch (e) {
      close();
    }
  };
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-controls', list.id);
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, 150);
  });
  input.addEventListener('keydown', (e) => {
    if (list.hidden || !items.length) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      cursor = (cursor + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
      render();
    } else if (e.key === 'Enter' && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      choose(Math.max(0, cursor));
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close();
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 150));
  close();
}
