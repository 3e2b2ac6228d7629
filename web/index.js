// SPDX-License-Identifier: Apache-2.0
// The start page: one link per side of the call, keeping any ?room= and ?lang=
// given, the language button, and the organisation's name and logo ([brand]).
import { loadBrand, orgName } from './page.js';
import { languages, otherLanguage, setLanguage, strings } from './strings.js';

const params = new URLSearchParams(location.search);
const keep = new URLSearchParams();
for (const key of ['room', 'lang']) if (params.get(key)) keep.set(key, params.get(key));

const button = document.getElementById('language');
button.addEventListener('click', () => {
  setLanguage(button.dataset.lang);
  if (keep.has('lang')) keep.set('lang', button.dataset.lang);
  render();
});
render();
loadBrand(render);

function render() {
  document.title = orgName();
  document.querySelector('.brand-name').textContent = orgName();
  document.querySelector('[data-text="intro"]').textContent = strings.index.intro;
  const other = otherLanguage();
  button.textContent = languages[other].languageName;
  button.lang = other;
  button.dataset.lang = other;
  const query = keep.size ? `?${keep}` : '';
  for (const role of ['customer', 'advisor']) {
    const link = document.getElementById(`${role}-link`);
    link.href = `${role}.html${query}`;
    link.textContent = strings.index[role];
  }
}
