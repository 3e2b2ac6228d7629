// SPDX-License-Identifier: Apache-2.0
// Every text the pages show, in one place, so a translation (Dutch first) can
// replace this object without touching the call or DOM code.

export const strings = {
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

  // Views.
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

function capitalise(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
