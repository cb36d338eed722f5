// The legacy stack's reference for bench/run.py: panva's oidc-provider configured like
// Keyway (authorization code + PKCE S256, refresh rotation, client credentials,
// client_secret_basic, RS256 ID tokens, introspection, revocation, userinfo), one worker
// per core (node:cluster), state in Redis so every worker sees every token — as a
// production deployment of it would run.
//
// Usage: node op.mjs PORT ISSUER CLIENT_SECRET REDIRECT_URI [WORKERS]
// Prints "ready" on stdout once every worker listens.
import cluster from "node:cluster";
import crypto from "node:crypto";
import os from "node:os";

import Redis from "ioredis";
import Provider from "oidc-provider";

const [port, issuer, clientSecret, redirectUri, workersArg] = process.argv.slice(2);
const workers = Number(workersArg || os.availableParallelism());

if (cluster.isPrimary) {
  const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: "jwk" }), kid: "bench", alg: "RS256", use: "sig" };
  let listening = 0;
  cluster.on("listening", () => {
    listening += 1;
    if (listening === workers) console.log("ready");
  });
  for (let i = 0; i < workers; i += 1) cluster.fork({ BENCH_JWK: JSON.stringify(jwk) });
  process.on("SIGTERM", () => {
    for (const worker of Object.values(cluster.workers)) worker.kill();
    process.exit(0);
  });
} else {
  const redis = new Redis(process.env.REDIS_URL || "redis://127.0.0.1:6379/3", {
    keyPrefix: "bench-op:",
  });

  // A key-value adapter: one Redis hash value per model instance, with TTL; grants keep a
  // set of the tokens issued under them so a revoked grant takes them all.
  class RedisAdapter {
    constructor(name) {
      this.name = name;
    }
    key(id) {
      return `${this.name}:${id}`;
    }
    async upsert(id, payload, expiresIn) {
      const multi = redis.multi();
      multi.set(this.key(id), JSON.stringify(payload), ...(expiresIn ? ["EX", expiresIn] : []));
      if (payload.grantId) {
        const grantKey = `grant:${payload.grantId}`;
        multi.rpush(grantKey, this.key(id));
        if (expiresIn) multi.expire(grantKey, expiresIn);
      }
      if (payload.uid) multi.set(`uid:${payload.uid}`, id, ...(expiresIn ? ["EX", expiresIn] : []));
      await multi.exec();
    }
    async find(id) {
      const data = await redis.get(this.key(id));
      return data ? JSON.parse(data) : undefined;
    }
    async findByUid(uid) {
      const id = await redis.get(`uid:${uid}`);
      return id ? this.find(id) : undefined;
    }
    async findByUserCode() {
      return undefined; // device flow is not configured
    }
    async consume(id) {
      const data = await this.find(id);
      if (data) {
        data.consumed = Math.floor(Date.now() / 1000);
        const ttl = await redis.ttl(this.key(id));
        await redis.set(this.key(id), JSON.stringify(data), ...(ttl > 0 ? ["EX", ttl] : []));
      }
    }
    async destroy(id) {
      await redis.del(this.key(id));
    }
    async revokeByGrantId(grantId) {
      const keys = await redis.lrange(`grant:${grantId}`, 0, -1);
      if (keys.length) await redis.del(...keys.map((k) => k.slice("bench-op:".length)));
      await redis.del(`grant:${grantId}`);
    }
  }

  const provider = new Provider(issuer, {
    adapter: RedisAdapter,
    clients: [
      {
        client_id: "bench",
        client_secret: clientSecret,
        grant_types: ["authorization_code", "refresh_token", "client_credentials"],
        response_types: ["code"],
        redirect_uris: [redirectUri],
        token_endpoint_auth_method: "client_secret_basic",
        id_token_signed_response_alg: "RS256",
        scope: "openid profile email offline_access api",
      },
    ],
    jwks: { keys: [JSON.parse(process.env.BENCH_JWK)] },
    cookies: { keys: ["bench-cookie-key-0123456789abcdef"] },
    features: {
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      devInteractions: { enabled: true },
    },
    pkce: { required: () => true },
    scopes: ["openid", "profile", "email", "offline_access", "api"],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    findAccount: async (_ctx, id) => ({
      accountId: id,
      claims: async () => ({ sub: id, email: `${id}@example.com`, email_verified: true, name: id }),
    }),
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed("refresh_token") && code.scopes.has("offline_access"),
    rotateRefreshToken: true,
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      ClientCredentials: 3600,
      IdToken: 3600,
      RefreshToken: 30 * 24 * 3600,
      Grant: 30 * 24 * 3600,
      Session: 24 * 3600,
      Interaction: 3600,
    },
  });
  provider.proxy = true;
  provider.listen(Number(port), "127.0.0.1");
}
