// login.js: the sign-in form shared by the three pages.

import { t, applyI18n, lang, setLang } from './i18n.js';
import { ApiError } from './api.js';

/**
 * signIn shows the sign-in form in the element with id "login" and resolves
 * with the user once the API accepts the credentials. titleKey names the page.
 */
export function signIn(client, titleKey) {
  const box = document.getElementById('login');
  box.hidden = false;
  box.innerHTML = `
    <form class="login-card" autocomplete="on">
      <h1><span class="badge" aria-hidden="true" translate="no">警</span> <span data-i18n="${titleKey}"></span></h1>
      <p class="muted" data-i18n="app.name"></p>
      <label><span data-i18n="login.username"></span>
        <input name="username" autocomplete="username" required autofocus></label>
      <label><span data-i18n="login.password"></span>
        <input name="password" type="password" autocomplete="current-password" required></label>
      <p class="error" role="alert" aria-live="assertive"></p>
      <div class="row">
        <button type="submit" class="primary" data-i18n="login.submit"></button>
        <button type="button" class="link lang" data-i18n="lang.switch"></button>
      </div>
    </form>`;
  applyI18n(box);
  const form = box.querySelector('form');
  box.querySelector('.lang').addEventListener('click', () => setLang(lang() === 'en' ? 'zh' : 'en'));
  form.username.focus();
  return new Promise((resolve) => {
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const err = form.querySelector('.error');
      err.textContent = '';
      form.querySelector('button[type=submit]').disabled = true;
      try {
        const user = await client.login(form.username.value.trim(), form.password.value);
        box.hidden = true;
        box.innerHTML = '';
        resolve(user);
      } catch (ex) {
        err.textContent = `${t('login.failed')}: ${ex instanceof ApiError ? ex.text() : ex}`;
        form.querySelector('button[type=submit]').disabled = false;
      }
    });
  });
}

/**
 * currentUser returns the signed-in user from /api/v1/me, or shows the
 * sign-in form when there is no valid token. offlineOK lets the officer app
 * start from the user cached at sign-in when the server cannot be reached.
 */
export async function currentUser(client, titleKey, offlineOK = false) {
  if (client.token) {
    try {
      return await client.get('/api/v1/me');
    } catch (e) {
      if (offlineOK && e.code === 'ENETWORK' && client.cachedUser()) return client.cachedUser();
      if (e.status !== 401) console.warn('me', e);
    }
  }
  await signIn(client, titleKey);
  return client.get('/api/v1/me');
}
