// A real relying party: panva's openid-client (v6), driven step by step from pytest.
//
//   node openid_client_rp.mjs <action>     one JSON object on stdin, one JSON object on stdout
//
// Every action starts with discovery from the issuer (openid-client checks that the
// document's `issuer` equals it) and then does one thing, letting openid-client do all the
// validation it normally does, plus ID token signature checks against the JWKS:
//
//   discover    the server metadata openid-client accepted
//   start       authorization URL with PKCE (S256), state and nonce; returns the secrets to carry
//   callback    authorizationCodeGrant on the callback URL (state, nonce, PKCE, ID token via JWKS),
//               then userinfo with the access token (reported separately, never fatal)
//   refresh     refreshTokenGrant
//   userinfo    fetchUserInfo (expected_sub, or no subject check)
//   revoke      tokenRevocation
//   introspect  tokenIntrospection
//
// Input: {issuer, client_id, client_secret?, token_endpoint_auth_method?, redirect_uri?,
// scope?, discovery?, ...action fields}. The auth method defaults to client_secret_basic when
// there is a secret, else "none" (a public client).
//
// Output: {"ok": true, ...} and exit 0, or {"ok": false, "error": {name, code, message, error,
// error_description, status, cause, ...}} and exit 1. Both carry "http": every request the
// RP made and the response it got (bodies truncated), so a failure shows what the RP saw.
import { readFileSync } from "node:fs";

import * as client from "openid-client";

const TIMEOUT_SECONDS = 10;
const BODY_LIMIT = 4000;

const http = [];

function truncate(text) {
  if (typeof text !== "string" || text.length <= BODY_LIMIT) return text;
  return `${text.slice(0, BODY_LIMIT)}… (${text.length} characters)`;
}

function bodyText(body) {
  if (body == null) return null;
  if (typeof body === "string") return body;
  if (body instanceof URLSearchParams) return body.toString();
  return `(${Object.prototype.toString.call(body)})`;
}

// Records each exchange; the request and the response reach openid-client unchanged.
async function recordingFetch(url, options) {
  const headers = new Headers(options?.headers);
  const entry = {
    method: options?.method ?? "GET",
    url: String(url),
    authorization: headers.get("authorization")?.split(" ")[0] ?? null,
    request_body: truncate(bodyText(options?.body)),
  };
  http.push(entry);
  const response = await fetch(url, options);
  entry.status = response.status;
  entry.response_headers = Object.fromEntries(
    ["content-type", "cache-control", "www-authenticate", "location"]
      .filter((name) => response.headers.has(name))
      .map((name) => [name, response.headers.get(name)]),
  );
  try {
    entry.response_body = truncate(await response.clone().text());
  } catch (err) {
    entry.response_body = `(unreadable: ${err})`;
  }
  return response;
}

async function describe(value, depth = 0) {
  if (value == null) return null;
  if (depth > 5) return String(value);
  if (value instanceof Response) {
    const response = { status: value.status, url: value.url };
    try {
      response.body = truncate(await value.clone().text());
    } catch {
      // already read by openid-client: the body is in the "http" record of this exchange
    }
    return { response };
  }
  if (value instanceof URLSearchParams) return Object.fromEntries(value);
  if (value instanceof Error) {
    const out = { name: value.name, message: value.message };
    for (const key of ["code", "error", "error_description", "status"]) {
      if (value[key] !== undefined) out[key] = value[key];
    }
    if (value.response instanceof Response) out.response = (await describe(value.response)).response;
    if (value.cause !== undefined) out.cause = await describe(value.cause, depth + 1);
    return out;
  }
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    return `(${value.byteLength} bytes)`;
  }
  if (value instanceof CryptoKey) {
    return { type: value.type, algorithm: await describe(value.algorithm, depth + 1) };
  }
  if (Array.isArray(value)) return Promise.all(value.map((item) => describe(item, depth + 1)));
  if (typeof value === "object") {
    const out = {};
    for (const [key, item] of Object.entries(value)) out[key] = await describe(item, depth + 1);
    return out;
  }
  return typeof value === "bigint" ? String(value) : value;
}

const CLIENT_AUTH = {
  client_secret_basic: (input) => client.ClientSecretBasic(input.client_secret),
  client_secret_post: (input) => client.ClientSecretPost(input.client_secret),
  none: () => client.None(),
};

async function configure(input) {
  const method =
    input.token_endpoint_auth_method ?? (input.client_secret ? "client_secret_basic" : "none");
  if (!Object.hasOwn(CLIENT_AUTH, method)) throw new TypeError(`unknown auth method ${method}`);
  const auth = CLIENT_AUTH[method](input);
  const metadata = input.client_secret ? { client_secret: input.client_secret } : {};
  return client.discovery(new URL(input.issuer), input.client_id, metadata, auth, {
    execute: [
      client.allowInsecureRequests, // plain http on the loopback test server
      // Verify ID token signatures against the JWKS: openid-client skips that by default
      // for tokens from the token endpoint, trusting TLS (OIDC Core 3.1.3.7 step 6).
      client.enableNonRepudiationChecks,
    ],
    algorithm: input.discovery ?? "oidc", // "oauth2": RFC 8414's well-known URL instead
    timeout: TIMEOUT_SECONDS,
    [client.customFetch]: recordingFetch,
  });
}

function tokenSet(tokens) {
  const { access_token, refresh_token, id_token, token_type, expires_in, scope } = tokens;
  return {
    tokens: { access_token, refresh_token, id_token, token_type, expires_in, scope },
    claims: tokens.claims() ?? null,
  };
}

async function userinfo(config, accessToken, expectedSub) {
  return client.fetchUserInfo(config, accessToken, expectedSub ?? client.skipSubjectCheck);
}

const actions = {
  async discover(config) {
    return {
      metadata: config.serverMetadata(),
      supports_pkce_s256: config.serverMetadata().supportsPKCE("S256"),
    };
  },

  async start(config, input) {
    const code_verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const parameters = {
      redirect_uri: input.redirect_uri,
      scope: input.scope ?? "openid",
      code_challenge: await client.calculatePKCECodeChallenge(code_verifier),
      code_challenge_method: "S256",
      state,
      nonce,
      ...(input.extra_parameters ?? {}),
    };
    const url = client.buildAuthorizationUrl(config, parameters);
    return { url: url.href, state, nonce, code_verifier };
  },

  async callback(config, input) {
    const tokens = await client.authorizationCodeGrant(config, new URL(input.callback_url), {
      pkceCodeVerifier: input.code_verifier,
      expectedState: input.state,
      expectedNonce: input.nonce,
      idTokenExpected: true,
      ...(input.max_age === undefined ? {} : { maxAge: input.max_age }), // checks auth_time
    });
    const result = tokenSet(tokens);
    try {
      result.userinfo = await userinfo(config, tokens.access_token, result.claims.sub);
    } catch (err) {
      result.userinfo_error = await describe(err);
    }
    return result;
  },

  async refresh(config, input) {
    return tokenSet(await client.refreshTokenGrant(config, input.refresh_token));
  },

  async userinfo(config, input) {
    return { userinfo: await userinfo(config, input.access_token, input.expected_sub) };
  },

  async revoke(config, input) {
    const parameters = input.token_type_hint ? { token_type_hint: input.token_type_hint } : {};
    await client.tokenRevocation(config, input.token, parameters);
    return {};
  },

  async introspect(config, input) {
    const parameters = input.token_type_hint ? { token_type_hint: input.token_type_hint } : {};
    return { introspection: await client.tokenIntrospection(config, input.token, parameters) };
  },
};

const action = process.argv[2];
let output;
let exitCode = 0;
try {
  if (!Object.hasOwn(actions, action)) throw new TypeError(`unknown action ${action}`);
  const input = JSON.parse(readFileSync(0, "utf8"));
  const config = await configure(input);
  output = { ok: true, ...(await actions[action](config, input)) };
} catch (err) {
  output = { ok: false, error: await describe(err) };
  exitCode = 1;
}
output.http = http;
process.stdout.write(JSON.stringify(output));
process.exitCode = exitCode;
