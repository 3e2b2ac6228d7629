// SPDX-License-Identifier: Apache-2.0
// Advisor login through OpenID Connect against a fake identity provider run here: a
// real HTTPS server on 127.0.0.5:9443 with discovery, an authorize endpoint that logs
// in whoever the test says, a token endpoint that checks the client secret and the
// PKCE verifier, and a JWKS with an RSA key made at start. The browser's part is
// played with plain HTTPS requests (the flow is redirects and cookies only).
//
// Run through tests/e2e/run-oidc.sh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, request } from 'node:https';

const BALIE = process.env.BALIE_URL;
const ISSUER = 'https://127.0.0.5:9443/realms/bank';
const CLIENT_ID = 'balie';

const b64url = (data) => Buffer.from(data).toString('base64url');

/** The fake provider: what it will do on the next login is set by the test. */
const idp = {
  keys: [], // {kid, privateKey, jwk}; the first signs
  user: 'anna',
  sign: null, // null: the current key; or a key not published
  nonce: null, // null: the login's own nonce
  logins: new Map(), // code → {nonce, challenge, redirectUri, used}
  tokenRequests: 0,
  jwksRequests: 0,
};

function newKey(kid) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' } };
}

function idToken(login) {
  const key = idp.sign ?? idp.keys[0];
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: key.kid }));
  const payload = b64url(
    JSON.stringify({
      iss: ISSUER,
      aud: CLIENT_ID,
      sub: `sub-${idp.user}`,
      preferred_username: idp.user,
      iat: now,
      exp: now + 300,
      nonce: idp.nonce ?? login.nonce,
    }),
  );
  const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(key.privateKey);
  return `${header}.${payload}.${b64url(signature)}`;
}

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function handleIdp(req, res) {
  const url = new URL(req.url, ISSUER);
  if (url.pathname === '/realms/bank/.well-known/openid-configuration') {
    return json(res, 200, {
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/authorize`,
      token_endpoint: `${ISSUER}/token`,
      jwks_uri: `${ISSUER}/jwks`,
    });
  }
  if (url.pathname === '/realms/bank/jwks') {
    idp.jwksRequests++;
    return json(res, 200, { keys: idp.keys.map((k) => k.jwk) });
  }
  if (url.pathname === '/realms/bank/authorize') {
    const p = url.searchParams;
    if (p.get('client_id') !== CLIENT_ID || p.get('response_type') !== 'code' || p.get('code_challenge_method') !== 'S256') {
      return json(res, 400, { error: 'invalid_request' });
    }
    const code = b64url(randomBytes(16));
    idp.logins.set(code, { nonce: p.get('nonce'), challenge: p.get('code_challenge'), redirectUri: p.get('redirect_uri') });
    const back = new URL(p.get('redirect_uri'));
    back.searchParams.set('code', code);
    back.searchParams.set('state', p.get('state'));
    res.writeHead(302, { location: back.href });
    return res.end();
  }
  if (url.pathname === '/realms/bank/token' && req.method === 'POST') {
    idp.tokenRequests++;
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const login = idp.logins.get(form.get('code'));
      const secret = readFileSync(process.env.BALIE_OIDC_CLIENT_SECRET_FILE, 'utf8').trim();
      const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${secret}`).toString('base64')}`;
      if (req.headers.authorization !== basic) return json(res, 401, { error: 'invalid_client' });
      if (!login || login.used || form.get('grant_type') !== 'authorization_code' || form.get('redirect_uri') !== login.redirectUri) {
        return json(res, 400, { error: 'invalid_grant' });
      }
      // PKCE: the verifier must hash to the challenge sent with the authorize request.
      if (b64url(createHash('sha256').update(form.get('code_verifier') ?? '').digest()) !== login.challenge) {
        return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE' });
      }
      login.used = true;
      json(res, 200, { access_token: 'at', token_type: 'Bearer', expires_in: 300, id_token: idToken(login) });
    });
    return undefined;
  }
  return json(res, 404, { error: 'not found' });
}

let server;
before(async () => {
  idp.keys = [newKey('k1')];
  server = createServer(
    { cert: readFileSync(process.env.BALIE_OIDC_IDP_CERT), key: readFileSync(process.env.BALIE_OIDC_IDP_KEY) },
    handleIdp,
  );
  await new Promise((resolve) => server.listen(9443, '127.0.0.5', resolve));
});
after(() => server?.close());

/** One HTTPS GET without following redirects: {status, location, cookies, body}. */
function get(url, cookies = {}) {
  return new Promise((resolve, reject) => {
    const cookie = Object.entries(cookies)
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
    const req = request(url, { rejectUnauthorized: false, timeout: 15000, headers: cookie ? { cookie } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        const set = {};
        for (const c of res.headers['set-cookie'] ?? []) {
          const [pair] = c.split(';');
          const i = pair.indexOf('=');
          set[pair.slice(0, i)] = { value: pair.slice(i + 1), attributes: c };
        }
        resolve({ status: res.statusCode, location: res.headers.location, cookies: set, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Login up to the provider's redirect back: {callback, stateCookie}. */
async function startLogin() {
  const start = await get(`${BALIE}/auth/oidc/login`);
  assert.equal(start.status, 302, `login start: ${start.status} ${start.body}`);
  const authorize = new URL(start.location);
  assert.equal(`${authorize.origin}${authorize.pathname}`, `${ISSUER}/authorize`);
  assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(authorize.searchParams.get('redirect_uri'), `${BALIE}/auth/oidc/callback`);
  const state = start.cookies.balie_oidc;
  assert.ok(state && /SameSite=Lax/.test(state.attributes) && /HttpOnly/.test(state.attributes));
  assert.equal(state.value, authorize.searchParams.get('state'));
  const back = await get(start.location);
  assert.equal(back.status, 302);
  return { callback: back.location, stateCookie: state.value };
}

async function finishLogin({ callback, stateCookie }) {
  return get(callback, { balie_oidc: stateCookie });
}

test('OIDC login: code flow with PKCE, ID token checked against the JWKS', async (t) => {
  assert.ok(BALIE, 'run tests/e2e/run-oidc.sh');

  await t.test('a known account logs in and gets a session', async () => {
    const done = await finishLogin(await startLogin());
    assert.equal(done.status, 303, `callback: ${done.status} ${done.body}`);
    assert.equal(done.location, '/console.html');
    const session = done.cookies.balie_session;
    assert.ok(session && /SameSite=Strict/.test(session.attributes));
    const me = await get(`${BALIE}/api/v1/me`, { balie_session: session.value });
    assert.equal(me.status, 200, me.body);
    assert.equal(JSON.parse(me.body).account.name, 'anna');
  });

  await t.test('the callback needs the state cookie of the browser that started it, once', async () => {
    const login = await startLogin();
    const forged = await get(login.callback);
    assert.equal(forged.status, 400);
    assert.equal(forged.cookies.balie_session, undefined);
    const other = await get(login.callback, { balie_oidc: 'someone-elses-state' });
    assert.equal(other.status, 400);
    // Refused attempts did not use the login up: the real browser still finishes it...
    assert.equal((await finishLogin(login)).status, 303);
    // ...but only once.
    assert.equal((await finishLogin(login)).status, 400);
  });

  await t.test('a token signed with a key the provider does not publish is refused', async () => {
    idp.sign = newKey('k1'); // same kid, other key: a forgery
    try {
      const done = await finishLogin(await startLogin());
      assert.equal(done.status, 403);
      assert.match(done.body, /signature does not verify/);
      assert.equal(done.cookies.balie_session, undefined);
    } finally {
      idp.sign = null;
    }
  });

  await t.test("a token for another login (nonce) is refused", async () => {
    idp.nonce = 'an-old-nonce';
    try {
      const done = await finishLogin(await startLogin());
      assert.equal(done.status, 403);
      assert.match(done.body, /nonce/);
    } finally {
      idp.nonce = null;
    }
  });

  await t.test('someone without a Balie account is refused', async () => {
    idp.user = 'mallory';
    try {
      const done = await finishLogin(await startLogin());
      assert.equal(done.status, 403);
      assert.match(done.body, /without an enabled Balie account/);
    } finally {
      idp.user = 'anna';
    }
  });

  await t.test('after a key rollover Balie fetches the new keys and logs in', async () => {
    const before = idp.jwksRequests;
    idp.keys = [newKey('k2'), ...idp.keys];
    const done = await finishLogin(await startLogin());
    assert.equal(done.status, 303, done.body);
    assert.equal(idp.jwksRequests, before + 1);
  });

  await t.test('nothing secret reaches the gateway log', async () => {
    const log = readFileSync(process.env.BALIE_GATEWAY_LOG, 'utf8');
    const secret = readFileSync(process.env.BALIE_OIDC_CLIENT_SECRET_FILE, 'utf8').trim();
    assert.ok(!log.includes(secret), 'the client secret is in the log');
    assert.ok(!/eyJ[\w-]+\.eyJ/.test(log), 'an ID token is in the log');
  });
});
