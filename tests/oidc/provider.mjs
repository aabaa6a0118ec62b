// A real OpenID Connect provider for tests/test_oidc.py: panva's oidc-provider (npm), listening
// on the loopback address of its issuer URL, with one confidential client whose redirect URIs are
// those of the amikg services under test. PKCE is required: a client sending no code challenge
// fails.
//
// Its sign-in page lets a test sign in as any subject (type it, press "Sign in") or refuse
// ("Refuse": the provider sends access_denied back to the client). Grants are given at once, so
// there is no consent page.
//
// Settings (environment): OIDC_ISSUER (http://127.0.0.2:PORT), OIDC_CLIENT_ID,
// OIDC_CLIENT_SECRET, OIDC_REDIRECT_URIS (space-separated); OIDC_WRONG_KEYS=1 publishes a key
// set that does not match the key ID tokens are signed with (their signatures fail to verify).
//
// Run: node tests/oidc/provider.mjs (after `npm ci --prefix tests/oidc`).

import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';

const env = process.env;
const issuer = new URL(env.OIDC_ISSUER);
const KID = 'amikg-test-key';

function rsaJwk(part) {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...pair[part].export({ format: 'jwk' }), kid: KID, alg: 'RS256', use: 'sig' };
}

const provider = new Provider(env.OIDC_ISSUER, {
  clients: [{
    client_id: env.OIDC_CLIENT_ID,
    client_secret: env.OIDC_CLIENT_SECRET,
    redirect_uris: env.OIDC_REDIRECT_URIS.split(' '),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  jwks: { keys: [rsaJwk('privateKey')] },
  cookies: { keys: ['amikg-oidc-test-provider-cookies'] },
  claims: { openid: ['sub'], email: ['email'], profile: ['name'] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    return { accountId: sub, claims: async () => ({ sub, name: sub, email: `${sub}@example.org` }) };
  },
  // a first-party client: every scope it asks for is granted, without a consent page
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid profile email');
    await grant.save();
    return grant;
  },
});

const SIGN_IN_PAGE = (uid) => `<!doctype html><html lang="en"><meta charset="utf-8">
<title>Test provider: sign in</title><h1>Test provider</h1>
<form method="post" action="/interaction/${uid}/login">
<label for="login">Subject</label> <input id="login" name="login" required>
<button type="submit" id="provider-signin">Sign in</button></form>
<form method="post" action="/interaction/${uid}/abort">
<button type="submit" id="provider-refuse">Refuse</button></form></html>`;

async function formBody(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return new URLSearchParams(text);
}

async function interaction(req, res, uid, action) {
  await provider.interactionDetails(req, res); // fails without this browser's interaction cookie
  if (req.method === 'GET' && !action) {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(SIGN_IN_PAGE(uid));
  } else if (req.method === 'POST' && action === 'login') {
    const login = (await formBody(req)).get('login');
    await provider.interactionFinished(req, res, { login: { accountId: login } });
  } else if (req.method === 'POST' && action === 'abort') {
    await provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'the person refused to sign in',
    }, { mergeWithLastSubmission: false });
  } else {
    res.writeHead(405).end();
  }
}

const wrongKeys = env.OIDC_WRONG_KEYS === '1' ? JSON.stringify({ keys: [rsaJwk('publicKey')] }) : null;
const callback = provider.callback();

http.createServer((req, res) => {
  const path = new URL(req.url, issuer).pathname;
  const match = path.match(/^\/interaction\/([\w-]+)(?:\/(login|abort))?$/);
  if (match) {
    interaction(req, res, match[1], match[2]).catch((err) => {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end(`interaction failed: ${err.message}`);
    });
  } else if (wrongKeys && path === '/jwks') {
    res.writeHead(200, { 'Content-Type': 'application/jwk-set+json' }).end(wrongKeys);
  } else {
    callback(req, res);
  }
}).listen(Number(issuer.port), issuer.hostname);
