// SPDX-License-Identifier: Apache-2.0
// Every text the pages show, in one place per language: `nl` (the default) and
// `en`. The call and DOM code only read `strings`, the texts of the language
// in use; setLanguage() switches it (a live binding, so importers see the new
// language at once).
//
// Which language: ?lang=nl|en in the address, else the one the visitor chose
// with the language button (localStorage "balie.lang"), else the first of the
// browser's languages that is Dutch or English, else Dutch.

const capitalise = (text) => text.charAt(0).toUpperCase() + text.slice(1);

export const nl = {
  languageName: 'Nederlands',
  appName: 'Balie',
  pageTitle: {
    customer: 'Balie – videogesprek',
    advisor: 'Balie – scherm voor de adviseur',
  },
  heading: {
    customer: 'Videogesprek',
    advisor: 'Scherm voor de adviseur',
  },
  index: {
    intro: 'Kies uw kant van het gesprek:',
    customer: 'Meedoen als klant',
    advisor: 'Meedoen als adviseur',
  },
  roleName: {
    customer: 'de klant',
    advisor: 'de adviseur',
  },
  roleLabel: {
    customer: 'Klant',
    advisor: 'Adviseur',
  },
  languageLabel: 'Taal',

  // Views.
  stage: 'Beeld',
  selfView: 'Uw eigen camera',
  remoteVideo: 'Camera van de ander',
  remoteScreen: 'Scherm van de ander',
  remoteScreenHeading: (who) => `${capitalise(who)} deelt het scherm`,
  remoteCameraOff: (who) => `${capitalise(who)} heeft de camera uitgezet.`,
  remoteMicOff: (who) => `${capitalise(who)} heeft de microfoon uitgezet.`,
  youAreSharing: 'U deelt nu uw scherm.',

  // Buttons.
  mute: 'Microfoon uitzetten',
  unmute: 'Microfoon aanzetten',
  cameraOff: 'Camera uitzetten',
  cameraOn: 'Camera aanzetten',
  shareScreen: 'Scherm delen',
  stopSharing: 'Stoppen met delen',
  hangUp: 'Ophangen',
  enableSound: 'Geluid aanzetten',
  controls: 'Knoppen voor het gesprek',

  // Chat.
  chatHeading: 'Berichten',
  chatLog: 'Berichten in dit gesprek',
  chatInput: 'Uw bericht',
  chatSend: 'Versturen',
  you: 'U',

  // Status line.
  status: {
    connecting: 'Even geduld, we maken verbinding…',
    waiting: (who) => `Even wachten tot ${who} er is…`,
    mediaConnecting: 'Beeld en geluid worden verbonden…',
    connected: (who) => `U bent verbonden met ${who}.`,
    otherLeft: (who) => `De verbinding met ${who} is even weg. We wachten tot ${who} terug is…`,
    mediaFailed: 'Beeld en geluid konden niet worden verbonden. Hang op en probeer het opnieuw.',
    ended: 'Het gesprek is afgelopen.',
    endedByYou: 'Het gesprek is afgelopen. U heeft opgehangen.',
    endedByOther: (who) => `Het gesprek is afgelopen. ${capitalise(who)} heeft opgehangen.`,
    serverLost: 'De verbinding is verbroken. Laad de pagina opnieuw om het nog eens te proberen.',
    serverUnreachable: 'We kunnen geen verbinding maken. Controleer uw internet en laad de pagina opnieuw.',
    noDevices: 'Uw camera of microfoon doet het niet. De ander kan u niet zien of horen.',
    shareFailed: 'Het delen van uw scherm is niet gelukt.',
    noWebRTC: 'Met deze browser kunt u niet videobellen. Gebruik een nieuwe versie van Chrome, Edge, Firefox of Safari.',
  },

  // `error` messages from the gateway, by code (docs/protocol.md), in plain words.
  errors: {
    'room-full': 'Dit gesprek is al vol. Er kunnen niet meer mensen bij.',
    'codec-unsupported': 'Deze browser kan het beeld van dit gesprek niet tonen. Probeer een andere browser, bijvoorbeeld Chrome, Edge of Safari.',
    capacity: 'Het is nu erg druk. Probeer het over een paar minuten opnieuw.',
    'unsupported-version': 'Deze pagina is verouderd. Laad de pagina opnieuw.',
    'too-large': 'Dat bericht is te lang.',
    limit: 'Er ging iets mis met de verbinding (te veel netwerkadressen).',
    'bad-field': 'De link of iets wat u heeft ingevuld klopt niet.',
    'wrong-state': 'Dat kan op dit moment niet.',
    'bad-sdp': 'Uw browser en onze server begrijpen elkaar niet. Probeer een andere browser.',
    'bad-json': 'De pagina stuurde iets wat de server niet begreep. Laad de pagina opnieuw.',
    'unknown-type': 'De pagina stuurde iets wat de server niet begreep. Laad de pagina opnieuw.',
    internal: 'Er ging iets mis bij ons. Probeer het opnieuw.',
  },
  errorFallback: 'Er ging iets mis.',
};

export const en = {
  languageName: 'English',
  appName: 'Balie',
  pageTitle: {
    customer: 'Balie – video call',
    advisor: 'Balie – advisor console',
  },
  heading: {
    customer: 'Video call',
    advisor: 'Advisor console',
  },
  index: {
    intro: 'Choose your side of the call:',
    customer: 'Join as customer',
    advisor: 'Join as advisor',
  },
  roleName: {
    customer: 'the customer',
    advisor: 'the advisor',
  },
  roleLabel: {
    customer: 'Customer',
    advisor: 'Advisor',
  },
  languageLabel: 'Language',

  // Views.
  stage: 'Video',
  selfView: 'Your camera',
  remoteVideo: 'Video of the other side',
  remoteScreen: 'Screen shared by the other side',
  remoteScreenHeading: (who) => `Screen shared by ${who}`,
  remoteCameraOff: (who) => `${capitalise(who)} turned their camera off.`,
  remoteMicOff: (who) => `${capitalise(who)} muted their microphone.`,
  youAreSharing: 'You are sharing your screen.',

  // Buttons.
  mute: 'Mute',
  unmute: 'Unmute',
  cameraOff: 'Camera off',
  cameraOn: 'Camera on',
  shareScreen: 'Share screen',
  stopSharing: 'Stop sharing',
  hangUp: 'Hang up',
  enableSound: 'Turn on sound',
  controls: 'Call controls',

  // Chat.
  chatHeading: 'Chat',
  chatLog: 'Chat messages',
  chatInput: 'Message',
  chatSend: 'Send',
  you: 'You',

  // Status line.
  status: {
    connecting: 'Connecting…',
    waiting: (who) => `Waiting for ${who} to join…`,
    mediaConnecting: 'Setting up the video connection…',
    connected: (who) => `Connected with ${who}.`,
    otherLeft: (who) => `${capitalise(who)} lost the connection. Waiting for them to come back…`,
    mediaFailed: 'The video connection could not be set up. Please hang up and try again.',
    ended: 'The call has ended.',
    endedByYou: 'The call has ended. You hung up.',
    endedByOther: (who) => `The call has ended. ${capitalise(who)} hung up.`,
    serverLost: 'The connection to the server was lost. Please reload the page to try again.',
    serverUnreachable: 'The server cannot be reached. Please check your connection and reload the page.',
    noDevices: 'Your camera or microphone could not be started. The other side cannot see or hear you.',
    shareFailed: 'Screen sharing did not start.',
    noWebRTC: 'This browser cannot make video calls. Please use a recent Chrome, Edge, Firefox or Safari.',
  },

  // `error` messages from the gateway, by code (docs/protocol.md), in plain words.
  errors: {
    'room-full': 'This call already has the maximum number of participants.',
    'codec-unsupported': "This browser cannot show this call's video. Please try another browser, such as Chrome, Edge or Safari.",
    capacity: 'The service is busy right now. Please try again in a few minutes.',
    'unsupported-version': 'This page is out of date. Please reload it.',
    'too-large': 'That message is too long.',
    limit: 'Something went wrong with the connection (too many network candidates).',
    'bad-field': 'The link or a value you entered is not valid.',
    'wrong-state': 'That is not possible right now.',
    'bad-sdp': 'Your browser and the server could not agree on how to send video.',
    'bad-json': 'The page sent a message the server did not understand. Please reload.',
    'unknown-type': 'The page sent a message the server did not understand. Please reload.',
    internal: 'The server ran into a problem. Please try again.',
  },
  errorFallback: 'Something went wrong.',
};

export const languages = { nl, en };
export const DEFAULT_LANGUAGE = 'nl';
const STORAGE_KEY = 'balie.lang';

/**
 * The language to use: `query` (?lang=), else `stored` (the visitor's own
 * choice), else the first of `preferred` (navigator.languages) that we have,
 * else Dutch.
 */
export function pickLanguage({ query = null, stored = null, preferred = [] } = {}) {
  for (const wanted of [query, stored]) {
    if (wanted && Object.hasOwn(languages, wanted)) return wanted;
  }
  for (const tag of preferred) {
    const primary = String(tag).toLowerCase().split('-')[0];
    if (Object.hasOwn(languages, primary)) return primary;
  }
  return DEFAULT_LANGUAGE;
}

function storedLanguage() {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage blocked (private mode, strict settings)
  }
}

export let lang = pickLanguage({
  query: new URLSearchParams(location.search).get('lang'),
  stored: storedLanguage(),
  preferred: navigator.languages?.length ? navigator.languages : [navigator.language],
});
export let strings = languages[lang];
document.documentElement.lang = lang;

/** Switches to `code` ('nl' or 'en'), remembers the choice and sets <html lang>. */
export function setLanguage(code) {
  if (!Object.hasOwn(languages, code)) return;
  lang = code;
  strings = languages[code];
  document.documentElement.lang = code;
  try {
    localStorage.setItem(STORAGE_KEY, code);
  } catch {
    // Not remembered; the choice still holds for this page.
  }
  // A ?lang= in the address would undo the choice on reload: keep it in step.
  const url = new URL(location.href);
  if (url.searchParams.has('lang')) {
    url.searchParams.set('lang', code);
    history.replaceState(history.state, '', url);
  }
}

/** The other language: what the language button offers. */
export function otherLanguage() {
  return lang === 'nl' ? 'en' : 'nl';
}
