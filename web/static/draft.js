// draft.js: the call being taken (接警登记) kept as a draft in the browser,
// so that Esc, opening another incident or reloading the page never loses a
// half-typed call. The draft holds the form's fields and the Idempotency-Key
// made when the call was started, so that a call sent again after a lost
// answer is still registered once. It is dropped only when the call is
// registered or the dispatcher discards it.

const prefix = 'precinct.draft.';

/** fields are the intake form's fields a draft keeps. */
export const draftFields = ['source', 'priority', 'category', 'place_type', 'lon', 'lat', 'address', 'description', 'reporter_name', 'reporter_phone', 'duplicate_of'];

/** Draft is the draft of one user's call, in localStorage. */
export class Draft {
  constructor(userId) {
    this.key = prefix + (userId || 'anonymous');
  }

  /** load returns the saved draft {fields, key, touched, saved}, or null. */
  load() {
    try {
      const d = JSON.parse(localStorage.getItem(this.key) || 'null');
      return d && d.fields ? d : null;
    } catch (e) {
      return null;
    }
  }

  /** exists reports whether a draft with something typed in it is kept. */
  exists() {
    const d = this.load();
    return !!d && draftFields.some((f) => d.fields[f] && !['source', 'priority', 'category', 'place_type'].includes(f));
  }

  /** save keeps the form's fields with the call's Idempotency-Key. */
  save(form, key, touched) {
    const fields = {};
    for (const f of draftFields) if (form[f]) fields[f] = form[f].value;
    localStorage.setItem(this.key, JSON.stringify({ fields, key, touched: [...(touched || [])], saved: new Date().toISOString() }));
  }

  /** fill puts a draft's fields back into the form. */
  static fill(form, d) {
    for (const f of draftFields) if (form[f] && d.fields[f] != null) form[f].value = d.fields[f];
  }

  /** clear drops the draft. */
  clear() {
    localStorage.removeItem(this.key);
  }
}
