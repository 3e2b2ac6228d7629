// SPDX-License-Identifier: Apache-2.0
// What every page shares: texts from strings.js by data-text="path.to.key",
// the language button, and the organisation's name and logo from /brand.json
// (the gateway's [brand] config; colours come from /brand.css).
import { languages, otherLanguage, setLanguage, strings } from './strings.js';

/** The text at a dotted `path` in the current language, or undefined. */
export function text(path) {
  let value = strings;
  for (const part of path.split('.')) value = value?.[part];
  return value;
}

/** Fills every [data-text] under `root` and the language button. */
export function applyTexts(root = document) {
  for (const node of root.querySelectorAll('[data-text]')) {
    const value = text(node.dataset.text);
    if (typeof value === 'string') node.textContent = value;
  }
  const button = document.getElementById('language');
  if (button) {
    const other = otherLanguage();
    button.textContent = languages[other].languageName;
    button.lang = other;
    button.dataset.lang = other;
  }
  renderBrand();
}

/** Wires the language button: switches, then calls `render` to redo every text. */
export function wireLanguage(render) {
  const button = document.getElementById('language');
  button?.addEventListener('click', () => {
    setLanguage(button.dataset.lang);
    render();
  });
}

let brand = null;

/** Loads /brand.json once; `then` re-renders with it. Missing or broken: the default. */
export async function loadBrand(then = () => {}) {
  try {
    const response = await fetch('/brand.json', { credentials: 'same-origin' });
    if (response.ok) brand = await response.json();
  } catch {
    brand = null;
  }
  renderBrand();
  then(brand);
}

/** The organisation's name for titles: the brand's, else the app's. */
export function orgName() {
  return brand?.name || strings.appName;
}

function renderBrand() {
  for (const node of document.querySelectorAll('.brand-name')) node.textContent = orgName();
  for (const img of document.querySelectorAll('img.brand-logo')) {
    if (brand?.logo) {
      img.src = brand.logo;
      img.alt = '';
      img.hidden = false;
    }
  }
}
