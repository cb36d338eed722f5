// A real third-party SAML service provider: @node-saml/node-saml (v5, the library behind
// passport-saml), run as one long-lived HTTP server on a loopback port, driven from pytest.
//
//   node saml_sp.mjs [lifetime_seconds]
//
// It prints {"port": N} on one line once listening, and exits when its lifetime (default 300
// seconds) is over or its stdin closes (the test that started it is gone). One process holds
// one SP whose state lives in memory for the whole test, exactly as in a Node.js app: the
// in-memory cache node-saml uses to check InResponseTo (validateInResponseTo: "always"),
// the profiles it signed in, the logout requests it received.
//
// Routes (JSON answers unless said otherwise; every refusal is {"ok": false, "error": ...}):
//   POST /configure  JSON {idp: {entity_id, sso_url, slo_url, certs}, signing: {key, cert},
//                    encryption?: {key, cert}, binding: "HTTP-Redirect"|"HTTP-POST",
//                    want_assertions_signed, want_response_signed, identifier_format,
//                    skip_request_compression, validate_in_response_to (default "always")}
//                    -> {ok, entity_id, acs_url, slo_url, metadata} (generateServiceProviderMetadata)
//   GET  /login?RelayState=…      -> {ok, binding, url} (Redirect) or {ok, binding, url, fields} (POST)
//   POST /acs        the browser's auto-posted form -> {ok, profile} (validatePostResponseAsync)
//   GET  /logout?nameID=…         -> {ok, url}: an SP-initiated LogoutRequest for that profile
//   POST|GET /slo    a LogoutRequest from the IdP (validatePostRequestAsync / validateRedirectAsync):
//                    recorded, answered with a 302 carrying node-saml's signed LogoutResponse;
//                    or a LogoutResponse (the end of an SP-initiated logout): validated,
//                    recorded with its InResponseTo, JSON.
//   GET  /state      -> everything recorded
import { createServer } from "node:http";
import { inflateRawSync } from "node:zlib";

import { SAML, generateServiceProviderMetadata } from "@node-saml/node-saml";

const LIFETIME_SECONDS = Number(process.argv[2] ?? 300);
const BODY_LIMIT = 512 * 1024;

let saml = null;
// node-saml reads InResponseTo only from a <Response> root (node-saml#331), so with
// validateInResponseTo "always" it refuses every LogoutResponse sent over HTTP-POST. The
// SP validates those with a twin that checks InResponseTo only when it can see it
// ("ifPresent"), sharing the cache, and records the LogoutResponse's InResponseTo so the
// test can match it to the LogoutRequest this SP sent.
let logoutResponseSaml = null;
let config = null;
const state = {
  logins: [], // validated profiles (JSON-safe subset)
  acs_errors: [],
  logout_requests: [], // IdP-initiated LogoutRequests that node-saml validated
  logout_request_errors: [],
  logout_responses: [], // LogoutResponses that node-saml validated
  logout_response_errors: [],
};

function plainProfile(profile) {
  if (!profile) return null;
  const out = {};
  for (const [key, value] of Object.entries(profile)) {
    if (typeof value !== "function") out[key] = value;
  }
  return out;
}

function errorOf(error) {
  return { name: error?.name, message: String(error?.message ?? error) };
}

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > BODY_LIMIT) throw new Error("body too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function configure(input, origin) {
  const entityId = `${origin}/metadata`;
  const acsUrl = `${origin}/acs`;
  const sloUrl = `${origin}/slo`;
  const options = {
    issuer: entityId,
    callbackUrl: acsUrl,
    logoutCallbackUrl: sloUrl,
    entryPoint: input.idp.sso_url,
    logoutUrl: input.idp.slo_url,
    idpIssuer: input.idp.entity_id,
    idpCert: input.idp.certs,
    privateKey: input.signing.key,
    publicCert: input.signing.cert,
    signatureAlgorithm: "sha256",
    digestAlgorithm: "sha256",
    authnRequestBinding: input.binding,
    wantAssertionsSigned: input.want_assertions_signed,
    wantAuthnResponseSigned: input.want_response_signed,
    identifierFormat: input.identifier_format,
    validateInResponseTo: input.validate_in_response_to ?? "always",
    acceptedClockSkewMs: 5000,
    // node-saml deflates HTTP-POST AuthnRequests unless told not to (passport-saml#241);
    // SAML Bindings 3.5.4 has no DEFLATE in the POST binding.
    skipRequestCompression: Boolean(input.skip_request_compression),
  };
  if (input.encryption) options.decryptionPvk = input.encryption.key;
  saml = new SAML(options);
  logoutResponseSaml = new SAML({
    ...options,
    validateInResponseTo: "ifPresent",
    cacheProvider: saml.cacheProvider,
  });
  config = { ...options, acsUrl, sloUrl };
  const metadata = generateServiceProviderMetadata({
    ...options,
    publicCerts: input.signing.cert,
    decryptionCert: input.encryption?.cert ?? null,
  });
  return { ok: true, entity_id: entityId, acs_url: acsUrl, slo_url: sloUrl, metadata };
}

async function login(query) {
  const relayState = query.get("RelayState") ?? "";
  if (config.authnRequestBinding === "HTTP-POST") {
    const fields = await saml.getAuthorizeMessageAsync(relayState);
    return { ok: true, binding: "HTTP-POST", url: config.entryPoint, fields };
  }
  const url = await saml.getAuthorizeUrlAsync(relayState, undefined, {});
  return { ok: true, binding: "HTTP-Redirect", url };
}

async function acs(form) {
  try {
    const { profile } = await saml.validatePostResponseAsync({
      SAMLResponse: form.get("SAMLResponse") ?? "",
    });
    const login = { profile: plainProfile(profile), relay_state: form.get("RelayState") };
    state.logins.push(login);
    return [200, { ok: true, ...login }];
  } catch (error) {
    state.acs_errors.push(errorOf(error));
    return [400, { ok: false, error: errorOf(error) }];
  }
}

async function logout(query) {
  const nameID = query.get("nameID");
  const login = state.logins.findLast((entry) => entry.profile?.nameID === nameID);
  if (!login) return [404, { ok: false, error: { message: `no sign-in for ${nameID}` } }];
  const url = await saml.getLogoutUrlAsync(login.profile, query.get("RelayState") ?? "", {});
  return [200, { ok: true, url }];
}

// The IdP's side of Single Logout reaching this SP (SAML Bindings 3.4 Redirect, 3.5 POST).
async function slo(req, url) {
  const isPost = req.method === "POST";
  const params = isPost ? new URLSearchParams(await readBody(req)) : url.searchParams;
  const container = Object.fromEntries(params);
  const binding = isPost ? "HTTP-POST" : "HTTP-Redirect";
  if (container.SAMLResponse) {
    try {
      const result = isPost
        ? await logoutResponseSaml.validatePostResponseAsync(container)
        : await saml.validateRedirectAsync(container, url.search.slice(1));
      const entry = {
        binding,
        logged_out: result.loggedOut,
        in_response_to: rootInResponseTo(container.SAMLResponse, isPost),
        relay_state: container.RelayState ?? null,
      };
      state.logout_responses.push(entry);
      return [200, { ok: true, ...entry }];
    } catch (error) {
      state.logout_response_errors.push({ binding, ...errorOf(error) });
      return [400, { ok: false, error: errorOf(error) }];
    }
  }
  try {
    const { profile } = isPost
      ? await saml.validatePostRequestAsync(container)
      : await saml.validateRedirectAsync(container, url.search.slice(1));
    // node-saml checks a Redirect signature only when one is present: record whether it was.
    const signed = isPost || Boolean(container.Signature);
    state.logout_requests.push({ binding, signed, profile: plainProfile(profile) });
    const location = await saml.getLogoutResponseUrlAsync(
      profile,
      container.RelayState ?? "",
      {},
      true,
    );
    return [302, { ok: true }, { location }];
  } catch (error) {
    state.logout_request_errors.push({ binding, ...errorOf(error) });
    return [400, { ok: false, error: errorOf(error) }];
  }
}

// The root element's InResponseTo (the message is already validated by node-saml).
function rootInResponseTo(message, isPost) {
  const bytes = Buffer.from(message, "base64");
  const xml = (isPost ? bytes : inflateRawSync(bytes)).toString("utf8");
  const root = xml.replace(/^(<\?xml[^>]*>\s*)/, "").match(/^<[^>]*>/)?.[0] ?? "";
  return root.match(/\sInResponseTo="([^"]*)"/)?.[1] ?? null;
}

async function route(req, res) {
  const origin = `http://${req.headers.host}`;
  const url = new URL(req.url, origin);
  if (url.pathname === "/configure" && req.method === "POST") {
    return send(res, 200, configure(JSON.parse(await readBody(req)), origin));
  }
  if (url.pathname === "/state") return send(res, 200, { ok: true, ...state });
  if (!saml) return send(res, 409, { ok: false, error: { message: "not configured" } });
  if (url.pathname === "/login") return send(res, 200, await login(url.searchParams));
  if (url.pathname === "/acs" && req.method === "POST") {
    return send(res, ...(await acs(new URLSearchParams(await readBody(req)))));
  }
  if (url.pathname === "/logout") return send(res, ...(await logout(url.searchParams)));
  if (url.pathname === "/slo") return send(res, ...(await slo(req, url)));
  return send(res, 404, { ok: false, error: { message: `no route ${req.method} ${url.pathname}` } });
}

const server = createServer((req, res) => {
  route(req, res).catch((error) => send(res, 500, { ok: false, error: errorOf(error) }));
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
setTimeout(() => process.exit(0), LIFETIME_SECONDS * 1000).unref();
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
