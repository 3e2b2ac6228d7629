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
    guest: 'de gast',
  },
  roleLabel: {
    customer: 'Klant',
    advisor: 'Adviseur',
    guest: 'Gast',
  },
  guest: 'Gast',
  guestVideo: (who) => `Beeld van ${who}`,
  wrapUp: {
    heading: 'Nawerk',
    journey: 'Onderwerp (pas aan als het gesprek over iets anders ging)',
    outcome: 'Hoe is het gesprek afgelopen?',
    outcomes: { resolved: 'Opgelost', 'follow-up': 'Vervolg nodig', referred: 'Doorverwezen', 'not-resolved': 'Niet opgelost' },
    save: 'Nawerk opslaan',
    saved: 'Opgeslagen. Zet uzelf op beschikbaar in de console als u klaar bent.',
    failed: 'Opslaan is niet gelukt. Probeer het opnieuw.',
    badJourney: 'Het onderwerp mag alleen letters, cijfers, - en _ bevatten.',
  },
  guestHeading: 'Iemand uitnodigen',
  guestHelp: 'Een tolk, een specialist of een familielid kan meedoen met dit gesprek (maximaal vier mensen).',
  guestCreate: 'Link voor een gast maken',
  guestLinkLabel: 'Link voor de gast',
  guestCopy: 'Kopiëren',
  guestCopied: 'De link is gekopieerd. Stuur hem naar de gast.',
  guestLogin: 'Log eerst in op de console om iemand uit te nodigen.',
  guestFailed: 'Het maken van de link is niet gelukt. Probeer het opnieuw.',
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
  // The advisor's pointer on a shared screen (pointer.js).
  pointer: {
    padLabel: 'Gedeeld scherm: aanwijzen',
    padLabelOwn: 'Uw gedeelde scherm: aanwijzen',
    help:
      'Klik of tik op het scherm om de klant te laten zien waar die moet kijken. ' +
      'Met het toetsenbord: pijltjestoetsen verplaatsen het kruis, Enter wijst aan, Escape haalt de aanwijzer weg.',
    hide: 'Aanwijzer weghalen',
    ownScreen: 'Uw gedeelde scherm, zoals de ander het ziet',
    placed: (x, y) => `Aanwijzer geplaatst: ${x}% van links, ${y}% van boven.`,
    atYourScreen: 'De adviseur wijst iets aan op uw scherm.',
    atSharedScreen: 'De adviseur wijst iets aan op het gedeelde scherm.',
  },

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
    waitingCustomer: 'U hoeft niets te doen: het gesprek begint vanzelf. Laat deze pagina open.',
    mediaConnecting: 'Beeld en geluid worden verbonden…',
    connected: (who) => `U bent verbonden met ${who}.`,
    otherLeft: (who) => `De verbinding met ${who} is even weg. We wachten tot ${who} terug is…`,
    otherGone: (who) => `${capitalise(who)} is niet teruggekomen. U kunt ophangen of nog even wachten.`,
    reconnecting: 'De verbinding is even weg. We verbinden opnieuw…',
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
    replaced: 'U heeft dit gesprek in een ander venster geopend. Ga verder in dat venster.',
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
    'bad-token': 'Deze link werkt niet. Kopieer de hele link uit de e-mail of sms opnieuw, of vraag uw adviseur om een nieuwe link.',
    'token-expired': 'Deze link is verlopen. Vraag uw adviseur om een nieuwe link.',
    'contact-closed': 'Het gesprek bij deze link is al afgelopen. Heeft u nog een vraag? Neem contact met ons op.',
    unauthorized: 'U heeft geen toegang tot dit gesprek. Open de link uit uw e-mail of sms; bent u adviseur, log dan eerst in op de console.',
  },
  errorFallback: 'Er ging iets mis.',

  // The advisor's console (console.html).
  console: {
    title: 'Wachtrijen',
    heading: 'Wachtrijen en uitnodigingen',
    login: 'Inloggen',
    name: 'Naam',
    password: 'Wachtwoord',
    loginButton: 'Inloggen',
    queuesHeading: 'Wie wacht er',
    waitingSummary: (n, longest) => (n === 0 ? 'Niemand wacht.' : `${n} wachtend, langst ${longest}.`),
    waitingList: (q) => `Wachtenden in ${q}`,
    waited: (t) => `wacht ${t}`,
    closed: 'De balie is nu gesloten (wie al wacht, blijft in de rij).',
    accept: (q) => `Volgende klant aannemen: ${q}`,
    take: (t) => `Deze klant aannemen (wacht ${t})`,
    availabilityHeading: 'Mijn status',
    availability: { available: 'Beschikbaar', busy: 'Bezig (nawerk)', away: 'Afwezig' },
    availabilityHint: 'Alleen wie beschikbaar is, kan klanten aannemen. Na een gesprek staat u op bezig tot u klaar bent met het nawerk.',
    noQueues: 'Er zijn geen wachtrijen ingesteld.',
    updated: (t) => `Bijgewerkt om ${t}.`,
    inviteHeading: 'Klant uitnodigen',
    journey: 'Onderwerp (bijvoorbeeld hypotheek)',
    journeyHint: 'Letters, cijfers, - en _; geen persoonsgegevens.',
    expires: 'Geldig voor',
    expiry: (m) => (m < 60 ? `${m} minuten` : m < 1440 ? `${m / 60} uur` : `${m / 1440} dag`),
    createInvite: 'Link maken',
    inviteUrl: 'Link voor de klant',
    copy: 'Link kopiëren',
    copied: '✓ Gekopieerd. Plak de link in uw e-mail of sms.',
    copyByHand: 'De link is geselecteerd: kopieer hem met Ctrl+C (Cmd+C op een Mac).',
    // My own recent contacts and their ratings (my-contacts.js).
    myContacts: {
      heading: 'Mijn recente gesprekken',
      refresh: 'Vernieuwen',
      empty: 'U heeft nog geen gesprekken gevoerd.',
      failed: 'De gesprekken konden niet worden geladen. Probeer het later opnieuw.',
      time: 'Tijd',
      journey: 'Onderwerp / wachtrij',
      wait: 'Wachttijd',
      duration: 'Duur',
      outcome: 'Afloop',
      rating: 'Beoordeling',
      comment: 'Opmerking',
      commentYes: 'Ja',
      commentNo: 'Nee',
      notRated: 'Niet beoordeeld',
      skipped: 'Overgeslagen',
      outcomes: { answered: 'Gevoerd (geen nawerk)', abandoned: 'Afgebroken', failed: 'Mislukt', 'no-show': 'Niet gekomen', open: 'Loopt nog' },
    },
    errors: {
      'bad-credentials': 'Naam of wachtwoord klopt niet.',
      locked: 'Te veel pogingen. Probeer het over een kwartier opnieuw.',
      'bad-field': 'Het onderwerp mag alleen letters, cijfers, - en _ bevatten.',
      'rate-limited': 'U heeft veel links gemaakt. Wacht een minuut.',
      'queue-empty': 'Er wacht niemand meer in deze rij.',
      'not-logged-in': 'U bent uitgelogd. Log opnieuw in.',
      'not-available': 'Zet uw status op beschikbaar om een klant aan te nemen.',
      'in-call': 'U bent nog in gesprek. Rond dat eerst af.',
      'not-waiting': 'Deze klant wacht niet meer.',
    },
  },

  // The device and connection check (check.html).
  check: {
    title: 'Controle vooraf',
    heading: 'Eerst even uw camera, microfoon en verbinding controleren',
    intro: 'Zo weet u zeker dat het gesprek straks goed gaat. Dit duurt ongeveer een halve minuut.',
    preview: 'Zo ziet de ander u',
    cameraHeading: 'Camera',
    cameraSelect: 'Welke camera',
    cameraFallback: 'Camera',
    cameraOk: '✓ Uw camera werkt. Ziet u uzelf hierboven?',
    cameraNone: '⚠ Er is geen camerabeeld. U kunt wel meedoen met alleen geluid.',
    cameraAudioOnly: 'ⓘ U doet mee met alleen geluid: de ander ziet u niet.',
    micHeading: 'Microfoon',
    micHint: 'Zeg iets. De balk hieronder beweegt als we u horen.',
    micLevel: 'Geluid van uw microfoon',
    micSelect: 'Welke microfoon',
    micFallback: 'Microfoon',
    micWaiting: 'ⓘ We wachten tot we u horen…',
    micOk: '✓ We horen u.',
    micNone: '✗ Uw microfoon doet het niet. Zonder microfoon kan de ander u niet horen.',
    speakerHeading: 'Luidspreker',
    speakerHint: 'Druk op de knop. U hoort dan een korte toon.',
    playTone: 'Toon afspelen',
    heardQuestion: 'Hoorde u de toon?',
    yes: 'Ja',
    no: 'Nee',
    speakerSelect: 'Welke luidspreker',
    speakerFallback: 'Luidspreker',
    speakerOk: '✓ Uw geluid werkt.',
    speakerHelp: '⚠ Zet het geluid van uw apparaat harder, kijk of het niet op stil staat, en probeer het nog eens. Gebruikt u een koptelefoon? Kijk of die goed vastzit.',
    netHeading: 'Verbinding',
    netRun: 'Verbinding testen',
    netAgain: 'Nog eens testen',
    netPhase: {
      idle: 'De test begint zodra uw camera en microfoon klaar zijn.',
      connecting: 'Verbinding met onze server testen…',
      measuring: 'Beeld en geluid versturen en meten…',
      done: 'De test is klaar.',
    },
    verdict: {
      good: '✓ Uw verbinding is goed genoeg voor een videogesprek.',
      weak: '⚠ Uw verbinding is zwak. Beeld kan haperen. We raden aan mee te doen met alleen geluid; dat staat nu aan.',
      failed: {
        media: '✗ Beeld en geluid komen niet bij onze server aan vanaf dit netwerk. Probeer een ander netwerk (bijvoorbeeld mobiele data in plaats van wifi), of bel ons.',
        unreachable: '✗ We kunnen onze server niet bereiken. Controleer uw internetverbinding en probeer het opnieuw.',
        refused: '✗ De test kon nu niet worden gedaan, het is erg druk. U kunt toch doorgaan.',
        'no-webrtc': '✗ Met deze browser kunt u niet videobellen. Gebruik een nieuwe versie van Chrome, Edge, Firefox of Safari.',
      },
    },
    unknownFigure: '?',
    figures: ({ rtt, loss, video, relay }) =>
      `Gemeten: vertraging ${rtt} ms, verlies ${loss} %, beeld ${video} kbit/s${relay ? ', via een tussenserver' : ''}.`,
    goHeading: 'Doorgaan',
    audioOnly: 'Meedoen met alleen geluid (zonder camera)',
    continueCall: 'Naar het gesprek',
    continueQueue: 'Naar de wachtrij',
    retry: 'Opnieuw proberen',
    helpHeading: 'Zo lost u het op',
    deviceName: { camera: 'uw camera', mic: 'uw microfoon', both: 'uw camera en microfoon' },
    problem: {
      denied: (d) => `De browser geeft ons geen toegang tot ${d}.`,
      busy: (d) => `We kunnen ${d} niet gebruiken: een ander programma gebruikt ${d} misschien al.`,
      missing: (d) => `We vinden ${d} niet.`,
      insecure: () => 'Deze pagina is niet beveiligd geopend, daarom mag de browser de camera niet gebruiken.',
      unsupported: () => 'Met deze browser kunt u niet videobellen.',
    },
    deniedSteps: {
      chrome: ['Klik links van het webadres op het slotje of het instellingen-icoon.', 'Zet Camera en Microfoon op "Toestaan".', 'Druk op "Opnieuw proberen" hieronder.'],
      firefox: ['Klik links van het webadres op het camera-icoon met de streep.', 'Haal de blokkering voor camera en microfoon weg.', 'Druk op "Opnieuw proberen" hieronder.'],
      safari: ['Kies in de menubalk Safari > Instellingen voor deze website.', 'Zet Camera en Microfoon op "Sta toe".', 'Druk op "Opnieuw proberen" hieronder.'],
      ios: ['Tik in de adresbalk op "aA" (of het instellingen-icoon) en kies Website-instellingen.', 'Zet Camera en Microfoon op "Sta toe".', 'Druk op "Opnieuw proberen" hieronder.'],
      android: ['Tik links van het webadres op het slotje of het instellingen-icoon, dan op Rechten.', 'Zet Camera en Microfoon aan.', 'Druk op "Opnieuw proberen" hieronder.'],
    },
    steps: {
      busy: ['Sluit andere programma\'s die de camera gebruiken, zoals Teams, Zoom of Skype, of een ander tabblad met een videogesprek.', 'Druk op "Opnieuw proberen" hieronder.'],
      missing: ['Kijk of de camera en microfoon zijn aangesloten en aanstaan.', 'Druk op "Opnieuw proberen" hieronder.', 'Lukt het niet? U kunt ook meedoen met alleen geluid, of met een telefoon of tablet.'],
      insecure: ['Open de link uit uw e-mail of sms opnieuw. Het webadres moet met https:// beginnen.'],
      unsupported: ['Open de link in een nieuwe versie van Chrome, Edge, Firefox of Safari.'],
    },
  },
  // The rating page after a call (rate.html).
  rate: {
    title: 'Uw mening over het gesprek',
    heading: 'Hoe was uw gesprek?',
    intro: 'Drie korte vragen. Uw antwoorden helpen ons beter te worden. U mag ook overslaan.',
    npsQuestion: 'Hoe waarschijnlijk is het dat u ons aanbeveelt aan een vriend of bekende?',
    npsHint: '0 is zeer onwaarschijnlijk, 10 is zeer waarschijnlijk.',
    csatQuestion: 'Hoe tevreden bent u over dit gesprek?',
    cesQuestion: 'Bent u het eens met deze zin: “Het was makkelijk om mijn vraag te regelen.”',
    cesHint: '1 is helemaal mee oneens, 7 is helemaal mee eens.',
    scaleLabels: {
      nps: {},
      csat: { 1: 'zeer ontevreden', 2: 'ontevreden', 3: 'neutraal', 4: 'tevreden', 5: 'zeer tevreden' },
      ces: {},
    },
    commentLabel: 'Wilt u nog iets kwijt? (niet verplicht)',
    commentCount: (left) => `Nog ${left} tekens over.`,
    send: 'Versturen',
    skip: 'Overslaan',
    result: {
      sending: 'Bezig met versturen…',
      'bad-link': '',
    },
    problems: {
      'bad-token': 'Deze link om het gesprek te beoordelen werkt niet.',
      'token-expired': 'Dit gesprek kan niet meer worden beoordeeld: de link is verlopen.',
      failed: 'Het versturen is niet gelukt. Probeer het nog eens.',
    },
  },
  // The walk-in waiting room (queue.html).
  queue: {
    title: 'Wachtkamer',
    heading: 'U staat in de wachtrij',
    connecting: 'Verbinden…',
    waiting: 'U wacht op de eerstvolgende adviseur. Laat deze pagina open.',
    expect: 'Zodra een adviseur vrij is, gaat u vanzelf door naar het gesprek. U hoeft niets te doen.',
    positionLabel: 'Uw plaats in de rij',
    estimateLabel: 'Geschatte wachttijd',
    hint: 'Als u deze pagina sluit of vernieuwt, verliest u uw plaats.',
    accepted: 'Een adviseur neemt uw gesprek aan. Even geduld…',
    lost: 'De verbinding is verbroken; uw plaats in de rij is vervallen.',
    retry: 'Opnieuw in de rij',
    badLink: 'Deze link werkt niet. Open de link van de wachtrij opnieuw.',
    minutes: (m) => (m <= 1 ? 'ongeveer 1 minuut' : `ongeveer ${m} minuten`),
  },
  // Pages that only tell something (notice.js): the gateway's pages for a join or
  // queue link that cannot be used, the busy page and the end page after a call.
  notice: {
    'link-invalid': {
      heading: 'Deze link werkt niet',
      text: ['De link is niet compleet of niet van ons. Kopieer de hele link uit de e-mail of sms opnieuw, of vraag uw adviseur om een nieuwe link.'],
    },
    'link-expired': {
      heading: 'Deze link is verlopen',
      text: ['Links voor een videogesprek zijn een beperkte tijd geldig. Vraag uw adviseur om een nieuwe link, of maak een nieuwe afspraak.'],
    },
    'link-revoked': {
      heading: 'Deze afspraak is geannuleerd',
      text: ['Uw adviseur heeft deze uitnodiging ingetrokken. Neem contact met ons op als u toch een gesprek wilt.'],
    },
    'link-finished': {
      heading: 'Dit gesprek is afgelopen',
      text: ['Het videogesprek bij deze link heeft al plaatsgevonden. Heeft u nog een vraag? Neem contact met ons op of maak een nieuwe afspraak.'],
    },
    'link-method': { heading: 'Deze link werkt niet zo', text: ['Open de link gewoon in uw browser.'] },
    'queue-unknown': {
      heading: 'Deze wachtrij bestaat niet',
      text: ['Controleer de link, of kijk op onze website hoe u ons kunt bereiken.'],
    },
    'queue-closed': {
      heading: 'De balie is nu gesloten',
      text: ['Er zijn op dit moment geen openingstijden bekend. Probeer het later nog eens of neem op een andere manier contact met ons op.'],
      opens: ({ day, date, time }) =>
        `De balie opent weer op ${['maandag', 'dinsdag', 'woensdag', 'donderdag', 'vrijdag', 'zaterdag', 'zondag'][day - 1]} ${date} om ${time}. Kom dan terug via deze link, dan helpen we u graag.`,
    },
    busy: {
      heading: 'Het is nu erg druk',
      text: [
        'Op dit moment kunnen we geen nieuw gesprek beginnen: al onze lijnen zijn bezet. Er is niets misgegaan aan uw kant.',
        'Probeer het over een paar minuten opnieuw met de knop hieronder.',
      ],
      action: 'Opnieuw proberen',
    },
    end: {
      heading: 'Bedankt voor uw gesprek',
      rated: {
        done: 'Dank u wel voor uw mening!',
        skipped: '',
        closed: 'U heeft dit gesprek al beoordeeld. Dank u wel!',
      },
      text: [
        'U kunt dit venster nu sluiten. Uw camera en microfoon staan uit.',
        'Heeft u nog een vraag? Neem contact met ons op zoals u gewend bent.',
      ],
    },
  },
  // The supervisors' insights page (insights.html).
  insights: {
    title: 'Inzichten',
    heading: 'Inzichten: videogesprekken en klantoordeel',
    login: 'Inloggen als supervisor',
    name: 'Naam',
    password: 'Wachtwoord',
    loginButton: 'Inloggen',
    loginFailed: 'Inloggen lukte niet. Controleer uw naam en wachtwoord.',
    forbidden: 'Deze pagina is alleen voor supervisors. Log in met een supervisor-account.',
    failed: (status) => `De cijfers konden niet worden geladen (HTTP ${status}). Probeer het opnieuw.`,
    loading: 'Cijfers laden…',
    noCharts: 'De grafieken zijn niet beschikbaar; de cijfers staan in de tabellen.',
    filtersHeading: 'Filters',
    from: 'Van',
    to: 'Tot en met',
    journey: 'Klantreis',
    queue: 'Wachtrij',
    advisor: 'Adviseur',
    all: 'Alle',
    apply: 'Toon',
    kpiHeading: 'Kerncijfers',
    kpi: {
      offered: 'Aangeboden',
      answered: 'Beantwoord',
      serviceLevel: (s) => `Service level (≤ ${s} s)`,
      abandonment: 'Afgehaakt',
      shortAbandons: (n) => `${n} kort`,
      waitMean: 'Wachttijd gemiddeld',
      waitP90: 'Wachttijd p90',
      handleMean: 'Gespreksduur gemiddeld',
      nps: 'NPS',
      npsCount: (n) => `${n} antw.`,
      csat: 'CSAT (4–5)',
      ces: 'CES gemiddeld (1–7)',
      responseRate: 'Respons enquête',
      skips: (n) => `${n} overgeslagen`,
      screenShare: 'Met scherm delen',
      rtt: 'Vertraging (RTT)',
      loss: 'Pakketverlies',
    },
    charts: {
      trend: 'NPS en service level per dag',
      hours: 'Aantal contacten per uur van de dag (uw tijd)',
      wait: 'Wachttijd tot antwoord',
      nps: 'Aanbevelen (NPS-antwoorden 0–10)',
      csat: 'Tevredenheid (CSAT 1–5)',
      ces: 'Gemak (CES 1–7)',
      quality: 'Verbindingskwaliteit per dag',
    },
    asTable: 'Als tabel',
    value: 'Waarde',
    day: 'Dag',
    count: 'Aantal',
    contacts: 'Contacten',
    answeredContacts: 'Beantwoorde contacten',
    answers: 'Antwoorden',
    detractors: 'Criticasters (0–6)',
    passives: 'Passief (7–8)',
    promoters: 'Promotors (9–10)',
    lossAxis: 'Verlies (%)',
    seconds: (s) => `${s} s`,
    minutes: (m) => `${m} min`,
    exportHeading: 'Exporteren',
    tables: { contacts: 'Contacten', events: 'Gebeurtenissen', ratings: 'Beoordelingen' },
    exportLink: (table, format) => `${table} (${format})`,
  },
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
    guest: 'the guest',
  },
  roleLabel: {
    customer: 'Customer',
    advisor: 'Advisor',
    guest: 'Guest',
  },
  guest: 'Guest',
  guestVideo: (who) => `Video of ${who}`,
  wrapUp: {
    heading: 'Wrap-up',
    journey: 'Topic (change it if the call was about something else)',
    outcome: 'How did the call end?',
    outcomes: { resolved: 'Resolved', 'follow-up': 'Follow-up needed', referred: 'Referred', 'not-resolved': 'Not resolved' },
    save: 'Save wrap-up',
    saved: 'Saved. Set yourself available in the console when you are ready.',
    failed: 'Saving did not work. Please try again.',
    badJourney: 'The topic may only contain letters, digits, - and _.',
  },
  guestHeading: 'Invite someone',
  guestHelp: 'An interpreter, a specialist or a family member can join this call (four people at most).',
  guestCreate: 'Create a guest link',
  guestLinkLabel: 'Link for the guest',
  guestCopy: 'Copy',
  guestCopied: 'The link is copied. Send it to the guest.',
  guestLogin: 'Log in on the console first to invite someone.',
  guestFailed: 'The link could not be made. Please try again.',
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
  // The advisor's pointer on a shared screen (pointer.js).
  pointer: {
    padLabel: 'Shared screen: point',
    padLabelOwn: 'Your shared screen: point',
    help:
      'Click or tap the screen to show the customer where to look. ' +
      'With the keyboard: arrow keys move the cross, Enter points, Escape removes the pointer.',
    hide: 'Remove pointer',
    ownScreen: 'Your shared screen, as the other side sees it',
    placed: (x, y) => `Pointer placed: ${x}% from the left, ${y}% from the top.`,
    atYourScreen: 'The advisor is pointing at your screen.',
    atSharedScreen: 'The advisor is pointing at the shared screen.',
  },

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
    waitingCustomer: 'You do not need to do anything: the call starts by itself. Keep this page open.',
    mediaConnecting: 'Setting up the video connection…',
    connected: (who) => `Connected with ${who}.`,
    otherLeft: (who) => `${capitalise(who)} lost the connection. Waiting for them to come back…`,
    otherGone: (who) => `${capitalise(who)} did not come back. You can hang up or wait a little longer.`,
    reconnecting: 'The connection dropped. Reconnecting…',
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
    replaced: 'You opened this call in another window. Please continue there.',
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
    'bad-token': 'This link does not work. Copy the whole link from the e-mail or text message again, or ask your advisor for a new link.',
    'token-expired': 'This link has expired. Ask your advisor for a new link.',
    'contact-closed': 'The call for this link is already over. Still have a question? Please contact us.',
    unauthorized: 'You do not have access to this call. Open the link from your e-mail or text message; if you are an advisor, log in to the console first.',
  },
  errorFallback: 'Something went wrong.',

  // The advisor's console (console.html).
  console: {
    title: 'Queues',
    heading: 'Queues and invitations',
    login: 'Log in',
    name: 'Name',
    password: 'Password',
    loginButton: 'Log in',
    queuesHeading: 'Who is waiting',
    waitingSummary: (n, longest) => (n === 0 ? 'Nobody is waiting.' : `${n} waiting, longest ${longest}.`),
    waitingList: (q) => `Waiting in ${q}`,
    waited: (t) => `waiting ${t}`,
    closed: 'The desk is closed now (whoever is waiting stays in line).',
    accept: (q) => `Take the next customer: ${q}`,
    take: (t) => `Take this customer (waiting ${t})`,
    availabilityHeading: 'My status',
    availability: { available: 'Available', busy: 'Busy (wrap-up)', away: 'Away' },
    availabilityHint: 'Only an available advisor can take customers. After a call you are busy until you finish the wrap-up.',
    noQueues: 'No queues are configured.',
    updated: (t) => `Updated at ${t}.`,
    inviteHeading: 'Invite a customer',
    journey: 'Topic (for example mortgage)',
    journeyHint: 'Letters, digits, - and _; no personal data.',
    expires: 'Valid for',
    expiry: (m) => (m < 60 ? `${m} minutes` : m < 1440 ? `${m / 60} hour${m === 60 ? '' : 's'}` : `${m / 1440} day`),
    createInvite: 'Create link',
    inviteUrl: 'Link for the customer',
    copy: 'Copy link',
    copied: '✓ Copied. Paste the link into your e-mail or text message.',
    copyByHand: 'The link is selected: copy it with Ctrl+C (Cmd+C on a Mac).',
    // My own recent contacts and their ratings (my-contacts.js).
    myContacts: {
      heading: 'My recent contacts',
      refresh: 'Refresh',
      empty: 'You have not had any calls yet.',
      failed: 'Your contacts could not be loaded. Try again later.',
      time: 'Time',
      journey: 'Topic / queue',
      wait: 'Wait',
      duration: 'Duration',
      outcome: 'Outcome',
      rating: 'Rating',
      comment: 'Comment',
      commentYes: 'Yes',
      commentNo: 'No',
      notRated: 'Not rated',
      skipped: 'Skipped',
      outcomes: { answered: 'Held (no wrap-up)', abandoned: 'Abandoned', failed: 'Failed', 'no-show': 'No-show', open: 'Still open' },
    },
    errors: {
      'bad-credentials': 'Name or password is not right.',
      locked: 'Too many attempts. Please try again in a quarter of an hour.',
      'bad-field': 'The topic may only contain letters, digits, - and _.',
      'rate-limited': 'You made many links. Please wait a minute.',
      'queue-empty': 'Nobody is waiting in this queue any more.',
      'not-logged-in': 'You were logged out. Please log in again.',
      'not-available': 'Set your status to available to take a customer.',
      'in-call': 'You are still in a call. Finish it first.',
      'not-waiting': 'This customer is no longer waiting.',
    },
  },

  // The device and connection check (check.html).
  check: {
    title: 'Before you start',
    heading: 'First, a quick check of your camera, microphone and connection',
    intro: 'This makes sure the call will work. It takes about half a minute.',
    preview: 'What the other side will see',
    cameraHeading: 'Camera',
    cameraSelect: 'Camera to use',
    cameraFallback: 'Camera',
    cameraOk: '✓ Your camera works. Can you see yourself above?',
    cameraNone: '⚠ There is no camera picture. You can still join with sound only.',
    cameraAudioOnly: 'ⓘ You will join with sound only: the other side will not see you.',
    micHeading: 'Microphone',
    micHint: 'Say something. The bar below moves when we can hear you.',
    micLevel: 'Sound from your microphone',
    micSelect: 'Microphone to use',
    micFallback: 'Microphone',
    micWaiting: 'ⓘ Waiting to hear you…',
    micOk: '✓ We can hear you.',
    micNone: '✗ Your microphone does not work. Without it the other side cannot hear you.',
    speakerHeading: 'Speaker',
    speakerHint: 'Press the button. You will hear a short tone.',
    playTone: 'Play a tone',
    heardQuestion: 'Did you hear the tone?',
    yes: 'Yes',
    no: 'No',
    speakerSelect: 'Speaker to use',
    speakerFallback: 'Speaker',
    speakerOk: '✓ Your sound works.',
    speakerHelp: '⚠ Turn up the volume of your device, check that it is not on silent, and try again. Using headphones? Check that they are plugged in properly.',
    netHeading: 'Connection',
    netRun: 'Test the connection',
    netAgain: 'Test again',
    netPhase: {
      idle: 'The test starts as soon as your camera and microphone are ready.',
      connecting: 'Testing the connection to our server…',
      measuring: 'Sending sound and video and measuring…',
      done: 'The test is done.',
    },
    verdict: {
      good: '✓ Your connection is good enough for a video call.',
      weak: '⚠ Your connection is weak and video may stutter. We suggest joining with sound only; that is now selected.',
      failed: {
        media: '✗ Sound and video cannot reach our server from this network. Try another network (for example mobile data instead of Wi-Fi), or call us.',
        unreachable: '✗ We cannot reach our server. Check your internet connection and try again.',
        refused: '✗ The test cannot run right now because it is very busy. You can still go on.',
        'no-webrtc': '✗ This browser cannot make video calls. Please use a recent Chrome, Edge, Firefox or Safari.',
      },
    },
    unknownFigure: '?',
    figures: ({ rtt, loss, video, relay }) =>
      `Measured: delay ${rtt} ms, loss ${loss} %, video ${video} kbit/s${relay ? ', through a relay server' : ''}.`,
    goHeading: 'Continue',
    audioOnly: 'Join with sound only (no camera)',
    continueCall: 'Go to the call',
    continueQueue: 'Go to the queue',
    retry: 'Try again',
    helpHeading: 'How to fix this',
    deviceName: { camera: 'your camera', mic: 'your microphone', both: 'your camera and microphone' },
    problem: {
      denied: (d) => `The browser does not let us use ${d}.`,
      busy: (d) => `We cannot use ${d}: another program may be using it.`,
      missing: (d) => `We cannot find ${d}.`,
      insecure: () => 'This page was not opened securely, so the browser may not use the camera.',
      unsupported: () => 'This browser cannot make video calls.',
    },
    deniedSteps: {
      chrome: ['Click the padlock or settings icon to the left of the web address.', 'Set Camera and Microphone to "Allow".', 'Press "Try again" below.'],
      firefox: ['Click the crossed-out camera icon to the left of the web address.', 'Remove the block for the camera and microphone.', 'Press "Try again" below.'],
      safari: ['In the menu bar choose Safari > Settings for This Website.', 'Set Camera and Microphone to "Allow".', 'Press "Try again" below.'],
      ios: ['Tap "aA" (or the settings icon) in the address bar and choose Website Settings.', 'Set Camera and Microphone to "Allow".', 'Press "Try again" below.'],
      android: ['Tap the padlock or settings icon to the left of the web address, then Permissions.', 'Turn on Camera and Microphone.', 'Press "Try again" below.'],
    },
    steps: {
      busy: ['Close other programs that use the camera, such as Teams, Zoom or Skype, or another tab with a video call.', 'Press "Try again" below.'],
      missing: ['Check that the camera and microphone are connected and switched on.', 'Press "Try again" below.', 'Still not working? You can join with sound only, or use a phone or tablet.'],
      insecure: ['Open the link from your e-mail or text message again. The web address must start with https://.'],
      unsupported: ['Open the link in a recent version of Chrome, Edge, Firefox or Safari.'],
    },
  },
  // The rating page after a call (rate.html).
  rate: {
    title: 'Your view of the call',
    heading: 'How was your call?',
    intro: 'Three short questions. Your answers help us improve. You may also skip them.',
    npsQuestion: 'How likely are you to recommend us to a friend or colleague?',
    npsHint: '0 is not at all likely, 10 is extremely likely.',
    csatQuestion: 'How satisfied are you with this call?',
    cesQuestion: 'Do you agree with this sentence: “It was easy to get my question handled.”',
    cesHint: '1 is strongly disagree, 7 is strongly agree.',
    scaleLabels: {
      nps: {},
      csat: { 1: 'very dissatisfied', 2: 'dissatisfied', 3: 'neutral', 4: 'satisfied', 5: 'very satisfied' },
      ces: {},
    },
    commentLabel: 'Anything else you would like to tell us? (optional)',
    commentCount: (left) => `${left} characters left.`,
    send: 'Send',
    skip: 'Skip',
    result: {
      sending: 'Sending…',
      'bad-link': '',
    },
    problems: {
      'bad-token': 'This link to rate the call does not work.',
      'token-expired': 'This call can no longer be rated: the link has expired.',
      failed: 'Sending did not work. Please try again.',
    },
  },
  // The walk-in waiting room (queue.html).
  queue: {
    title: 'Waiting room',
    heading: 'You are in the queue',
    connecting: 'Connecting…',
    waiting: 'You are waiting for the next available advisor. Keep this page open.',
    expect: 'As soon as an advisor is free, you go on to the call by yourself. You do not need to do anything.',
    positionLabel: 'Your place in line',
    estimateLabel: 'Estimated wait',
    hint: 'If you close or reload this page, you lose your place.',
    accepted: 'An advisor is taking your call. One moment…',
    lost: 'The connection was lost; your place in the queue has lapsed.',
    retry: 'Queue again',
    badLink: 'This link does not work. Open the queue link again.',
    minutes: (m) => (m <= 1 ? 'about 1 minute' : `about ${m} minutes`),
  },
  // Pages that only tell something (notice.js): the gateway's pages for a join or
  // queue link that cannot be used, the busy page and the end page after a call.
  notice: {
    'link-invalid': {
      heading: 'This link does not work',
      text: ['The link is incomplete or was not issued by us. Copy the whole link from the e-mail or text message again, or ask your advisor for a new link.'],
    },
    'link-expired': {
      heading: 'This link has expired',
      text: ['Video call links are valid for a limited time. Ask your advisor for a new link, or make a new appointment.'],
    },
    'link-revoked': {
      heading: 'This appointment was cancelled',
      text: ['Your advisor withdrew this invitation. Please contact us if you would still like to talk.'],
    },
    'link-finished': {
      heading: 'This call is over',
      text: ['The video call for this link has already taken place. Still have a question? Contact us or make a new appointment.'],
    },
    'link-method': { heading: 'This link does not work that way', text: ['Just open the link in your browser.'] },
    'queue-unknown': {
      heading: 'This queue does not exist',
      text: ['Check the link, or see our website for how to reach us.'],
    },
    'queue-closed': {
      heading: 'The desk is closed now',
      text: ['No opening hours are known at the moment. Please try again later or contact us another way.'],
      opens: ({ day, date, time }) =>
        `The desk opens again on ${['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'][day - 1]} ${date} at ${time}. Come back through this link then and we will gladly help you.`,
    },
    busy: {
      heading: 'It is very busy right now',
      text: [
        'We cannot start a new call at the moment: all our lines are busy. Nothing went wrong on your side.',
        'Please try again in a few minutes with the button below.',
      ],
      action: 'Try again',
    },
    end: {
      heading: 'Thank you for your call',
      rated: {
        done: 'Thank you for your feedback!',
        skipped: '',
        closed: 'You have already rated this call. Thank you!',
      },
      text: [
        'You can close this window now. Your camera and microphone are off.',
        'Still have a question? Contact us the way you are used to.',
      ],
    },
  },
  // The supervisors' insights page (insights.html).
  insights: {
    title: 'Insights',
    heading: 'Insights: video calls and customer ratings',
    login: 'Log in as a supervisor',
    name: 'Name',
    password: 'Password',
    loginButton: 'Log in',
    loginFailed: 'Logging in did not work. Check your name and password.',
    forbidden: 'This page is for supervisors only. Log in with a supervisor account.',
    failed: (status) => `The figures could not be loaded (HTTP ${status}). Please try again.`,
    loading: 'Loading figures…',
    noCharts: 'The charts are not available; the figures are in the tables.',
    filtersHeading: 'Filters',
    from: 'From',
    to: 'To (inclusive)',
    journey: 'Journey',
    queue: 'Queue',
    advisor: 'Advisor',
    all: 'All',
    apply: 'Show',
    kpiHeading: 'Key figures',
    kpi: {
      offered: 'Offered',
      answered: 'Answered',
      serviceLevel: (s) => `Service level (≤ ${s} s)`,
      abandonment: 'Abandoned',
      shortAbandons: (n) => `${n} short`,
      waitMean: 'Mean wait',
      waitP90: 'Wait p90',
      handleMean: 'Mean handle time',
      nps: 'NPS',
      npsCount: (n) => `${n} answers`,
      csat: 'CSAT (4–5)',
      ces: 'Mean CES (1–7)',
      responseRate: 'Survey response',
      skips: (n) => `${n} skipped`,
      screenShare: 'With screen share',
      rtt: 'Round trip (RTT)',
      loss: 'Packet loss',
    },
    charts: {
      trend: 'NPS and service level per day',
      hours: 'Contacts by hour of day (your time)',
      wait: 'Wait until answered',
      nps: 'Recommend (NPS answers 0–10)',
      csat: 'Satisfaction (CSAT 1–5)',
      ces: 'Effort (CES 1–7)',
      quality: 'Connection quality per day',
    },
    asTable: 'As a table',
    value: 'Value',
    day: 'Day',
    count: 'Count',
    contacts: 'Contacts',
    answeredContacts: 'Answered contacts',
    answers: 'Answers',
    detractors: 'Detractors (0–6)',
    passives: 'Passives (7–8)',
    promoters: 'Promoters (9–10)',
    lossAxis: 'Loss (%)',
    seconds: (s) => `${s} s`,
    minutes: (m) => `${m} min`,
    exportHeading: 'Export',
    tables: { contacts: 'Contacts', events: 'Events', ratings: 'Ratings' },
    exportLink: (table, format) => `${table} (${format})`,
  },
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
