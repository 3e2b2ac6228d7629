// SPDX-License-Identifier: Apache-2.0
// The start page: one link per side of the call, keeping any ?room= given.
import { strings } from './strings.js';

const room = new URLSearchParams(location.search).get('room');
const query = room ? `?room=${encodeURIComponent(room)}` : '';

document.title = strings.appName;
document.querySelector('[data-text="appName"]').textContent = strings.appName;
document.querySelector('[data-text="intro"]').textContent = strings.index.intro;
for (const role of ['customer', 'advisor']) {
  const link = document.getElementById(`${role}-link`);
  link.href = `${role}.html${query}`;
  link.textContent = strings.index[role];
}
