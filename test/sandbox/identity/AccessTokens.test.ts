import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import { SandboxConfig } from "../../../src/sandbox/Config.ts"
import { AccessTokens } from "../../../src/sandbox/identity/AccessTokens.ts"

const TestLayer = AccessTokens.layer.pipe(Layer.provide(SandboxConfig.layerWith()))
const graph = "https://graph.microsoft.com"

const rejection = (authorization: string | undefined, audience: string = graph) =>
  Effect.gen(function*() {
    const tokens = yield* AccessTokens
    return yield* tokens.verify(authorization, audience)
  }).pipe(
    Effect.flip,
    Effect.map((e) => e.reason)
  )

describe("AccessTokens", () => {
  it.effect("issues v1 tokens that verify for their audience", () =>
    Effect.gen(function*() {
      const tokens = yield* AccessTokens
      const { token } = yield* tokens.issue({ aud: graph, appid: "app-1", roles: ["User.Read.All"] })
      const claims = yield* tokens.verify(`Bearer ${token}`, [graph, "00000003-0000-0000-c000-000000000000"])
      assert.strictEqual(claims.iss, `https://sts.windows.net/${tokens.tenantId}/`)
      assert.strictEqual(claims.appid, "app-1")
      assert.deepStrictEqual(claims.roles, ["User.Read.All"])
      assert.strictEqual(claims.ver, "1.0")
      assert.strictEqual(claims.exp - claims.iat, 3599)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("issues v2 tokens carrying azp under a …/{tid}/v2.0 issuer", () =>
    Effect.gen(function*() {
      const tokens = yield* AccessTokens
      const iss = `http://127.0.0.1:1/${tokens.tenantId}/v2.0`
      const { token } = yield* tokens.issue({ aud: "api://dl", appid: "caller", iss, scp: "DL.ReadWrite" })
      const claims = yield* tokens.verify(`bearer ${token}`, "api://dl")
      assert.strictEqual(claims.appid, "caller")
      assert.strictEqual(claims.ver, "2.0")
      assert.strictEqual(claims.scp, "DL.ReadWrite")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("rejects missing, malformed, tampered, wrong-audience and foreign-issuer tokens", () =>
    Effect.gen(function*() {
      const tokens = yield* AccessTokens
      const { token } = yield* tokens.issue({ aud: graph, appid: "a" })
      const [h, p, s] = token.split(".")
      const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, "base64url").toString()), roles: ["x"] }))
        .toString("base64url")
      assert.strictEqual(yield* rejection(undefined), "Missing")
      assert.strictEqual(yield* rejection("Basic abc"), "Malformed")
      assert.strictEqual(yield* rejection("Bearer a.b.c"), "Malformed")
      assert.strictEqual(yield* rejection(`Bearer ${h}.${forged}.${s}`), "BadSignature")
      assert.strictEqual(yield* rejection(`Bearer ${token}`, "https://outlook.office365.com"), "WrongAudience")
      const foreign = yield* tokens.issue({ aud: graph, appid: "a", iss: "https://sts.windows.net/other/" })
      assert.strictEqual(yield* rejection(`Bearer ${foreign.token}`), "WrongIssuer")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("expires after exp plus the 5-minute clock skew", () =>
    Effect.gen(function*() {
      const tokens = yield* AccessTokens
      const { token } = yield* tokens.issue({ aud: graph, appid: "a", expiresInSeconds: 60 })
      yield* TestClock.adjust("5 minutes")
      yield* tokens.verify(`Bearer ${token}`, graph)
      yield* TestClock.adjust("2 minutes")
      assert.strictEqual(yield* rejection(`Bearer ${token}`), "Expired")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("a token verified once keeps every other check: audience, and a changed signature still fails", () =>
    Effect.gen(function*() {
      const tokens = yield* AccessTokens
      const { token } = yield* tokens.issue({ aud: graph, appid: "a" })
      yield* tokens.verify(`Bearer ${token}`, graph)
      yield* tokens.verify(`Bearer ${token}`, graph)
      assert.strictEqual(yield* rejection(`Bearer ${token}`, "https://outlook.office365.com"), "WrongAudience")
      const [header, payload, signature] = token.split(".")
      const flipped = `${header}.${payload}.${signature!.startsWith("A") ? "B" : "A"}${signature!.slice(1)}`
      assert.strictEqual(yield* rejection(`Bearer ${flipped}`), "BadSignature")
    }).pipe(Effect.provide(TestLayer)))
})
