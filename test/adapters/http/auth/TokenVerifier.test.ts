import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { TestClock } from "effect/testing"
import * as Jose from "jose"
import { AuthUnavailable, Unauthorized } from "../../../../src/adapters/http/auth/Errors.ts"
import { isTrustedUrl } from "../../../../src/adapters/http/auth/TenantKeys.ts"
import * as TokenVerifier from "../../../../src/adapters/http/auth/TokenVerifier.ts"
import {
  appToken,
  audience,
  authorityHost,
  makeDirectory,
  makeKey,
  sign,
  type SigningKey,
  tenantId,
  userToken,
  v2Issuer
} from "./FakeTenant.ts"

const setup = (keys: ReadonlyArray<SigningKey>) =>
  Effect.gen(function*() {
    const directory = makeDirectory(keys)
    const verifier = yield* Effect.provide(
      TokenVerifier.make({ authorityHost, tenant: tenantId, audiences: [audience] }),
      directory.layer
    )
    const verify = (token: string) => verifier.verify(Redacted.make(token))
    const rejection = (token: string) =>
      Effect.map(Effect.flip(verify(token)), (error) => {
        assert.instanceOf(error, Unauthorized)
        return error.details
      })
    return { directory, verify, rejection }
  })

describe("TokenVerifier: accepted tokens", () => {
  it.effect("an app-only v1 token maps its app role", () =>
    Effect.gen(function*() {
      const key = yield* makeKey("k1")
      const { verify } = yield* setup([key])
      const caller = yield* verify(yield* appToken(key, ["DL.ReadWrite.All"]))
      assert.deepStrictEqual(caller, { kind: "app", name: "11111111-2222-3333-4444-555555555555", role: "writer" })
      assert.strictEqual((yield* verify(yield* appToken(key, ["DL.Read.All", "DL.Admin"]))).role, "admin")
      assert.strictEqual((yield* verify(yield* appToken(key, ["DL.Read.All"]))).role, "reader")
      assert.isUndefined((yield* verify(yield* appToken(key, ["Something.Else"]))).role)
    }))

  it.effect("a v2 token (issuer from the OpenID configuration, azp) is accepted", () =>
    Effect.gen(function*() {
      const key = yield* makeKey("k1")
      const { verify } = yield* setup([key])
      const token = yield* sign({ key, ver: "2.0", claims: { azp: "client-2", roles: ["DL.Admin"] } })
      assert.deepStrictEqual(yield* verify(token), { kind: "app", name: "client-2", role: "admin" })
    }))

  it.effect("a delegated token is a self-service user named by upn or preferred_username", () =>
    Effect.gen(function*() {
      const key = yield* makeKey("k1")
      const { verify } = yield* setup([key])
      const caller = yield* verify(yield* userToken(key, "jane@contoso.example"))
      assert.deepStrictEqual(caller, {
        kind: "user",
        name: "jane@contoso.example",
        role: undefined,
        upn: "jane@contoso.example",
        addresses: ["jane@contoso.example"],
        objectId: "id-jane",
        selfService: true
      })
      const upperOid = yield* verify(yield* sign({ key, claims: { scp: "DL.ReadWrite", oid: "AB12-CD" } }))
      assert.deepStrictEqual([upperOid.name, upperOid.objectId, upperOid.addresses], ["ab12-cd", "ab12-cd", []])
      const v2 = yield* sign({ key, ver: "2.0", claims: { scp: "openid DL.ReadWrite", preferred_username: "bob@contoso.example" } })
      const bob = yield* verify(v2)
      assert.strictEqual(bob.name, "bob@contoso.example")
      assert.isTrue(bob.selfService)
      const unscoped = yield* verify(yield* sign({ key, claims: { scp: "User.Read", upn: "eve@contoso.example" } }))
      assert.isFalse(unscoped.selfService)
    }))

  it.effect("clock skew of 60 s is tolerated on exp and nbf", () =>
    Effect.gen(function*() {
      const key = yield* makeKey("k1")
      const { verify } = yield* setup([key])
      yield* TestClock.setTime(1_800_000_000_000)
      yield* verify(yield* appToken(key, ["DL.Admin"], { notBefore: 30 }))
      yield* verify(yield* appToken(key, ["DL.Admin"], { expiresIn: -30 }))
    }))
})

describe("TokenVerifier: rejected tokens", () => {
  it.effect("expired and not-yet-valid tokens (beyond the skew), judged by the effect Clock", () =>
    Effect.gen(function*() {
      const key = yield* makeKey("k1")
      const { rejection } = yield* setup([key])
      yield* TestClock.setTime(1_800_000_000_000)
      const expiring = yield* appToken(key, ["DL.Admin"], { expiresIn: 600 })
      assert.strictEqual(yield* rejection(yield* appToken(key, ["DL.Admin"], { expiresIn: -120 })), "The access token has expired.")
      assert.strictEqual(yield* rejection(yield* appToken(key, ["DL.Admin"], { notBefore: 120 })), "The access token is not yet valid.")
      yield* TestClock.adjust("11 minutes")
      assert.strictEqual(yield* rejection(expiring), "The access token has expired.")
    }))

  it.effect("wrong audience, wrong issuer, wrong tenant, issuer not matching the version", () =>
    Effect.gen(function*() {
      const key = yield* makeKey("k1")
      const { rejection } = yield* setup([key])
      const other = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
      assert.strictEqual(
        yield* rejection(yield* appToken(key, ["DL.Admin"], { aud: "https://graph.microsoft.com" })),
        "The access token was not issued for this API."
      )
      assert.strictEqual(
        yield* rejection(yield* appToken(key, ["DL.Admin"], { iss: `https://sts.windows.net/${other}/` })),
        "The access token was not issued by this API's tenant."
      )
      assert.strictEqual(
        yield* rejection(yield* appToken(key, ["DL.Admin"], { iss: "https://evil.example/" })),
        "The access token was not issued by this API's tenant."
      )
      assert.strictEqual(
        yield* rejection(yield* appToken(key, ["DL.Admin"], { tid: other })),
        "The access token was not issued by this API's tenant."
      )
      assert.strictEqual(
        yield* rejection(yield* appToken(key, ["DL.Admin"], { ver: "2.0", iss: `https://sts.windows.net/${tenantId}/` })),
        "The access token was not issued by this API's tenant."
      )
      assert.strictEqual(
        yield* rejection(yield* appToken(key, ["DL.Admin"], { ver: "1.0", iss: v2Issuer })),
        "The access token was not issued by this API's tenant."
      )
    }))

  it.effect("forged tokens: another key under a known kid, a tampered payload, alg none and HS256", () =>
    Effect.gen(function*() {
      const key = yield* makeKey("k1")
      const forger = yield* makeKey("k1")
      const { rejection } = yield* setup([key])
      assert.strictEqual(
        yield* rejection(yield* appToken(forger, ["DL.Admin"])),
        "The access token signature is invalid."
      )
      const [header, , signature] = (yield* appToken(key, ["DL.Read.All"])).split(".")
      const escalated = Jose.base64url.encode(JSON.stringify({
        tid: tenantId,
        ver: "1.0",
        roles: ["DL.Admin"],
        iss: `https://sts.windows.net/${tenantId}/`,
        aud: audience,
        exp: 9_999_999_999
      }))
      assert.strictEqual(yield* rejection(`${header}.${escalated}.${signature}`), "The access token signature is invalid.")
      const none = new Jose.UnsecuredJWT({ tid: tenantId, roles: ["DL.Admin"] }).setAudience(audience).encode()
      assert.strictEqual(yield* rejection(none), "The access token uses an unsupported algorithm.")
      const hs256 = yield* Effect.promise(() =>
        new Jose.SignJWT({ tid: tenantId, roles: ["DL.Admin"] })
          .setProtectedHeader({ alg: "HS256", kid: "k1" })
          .setAudience(audience)
          .sign(new TextEncoder().encode("a-shared-secret-of-32-bytes-long!"))
      )
      assert.strictEqual(yield* rejection(hs256), "The access token uses an unsupported algorithm.")
      assert.strictEqual(yield* rejection("not.a.jwt"), "The access token is malformed.")
    }))

  it.effect("a token signed by an unknown key is rejected after one JWKS refresh; refreshes are rate-limited", () =>
    Effect.gen(function*() {
      const key = yield* makeKey("k1")
      const stranger = yield* makeKey("k-unknown")
      const { directory, rejection, verify } = yield* setup([key])
      yield* verify(yield* appToken(key, ["DL.Admin"]))
      assert.strictEqual(directory.state.jwksRequests, 1)
      const forged = yield* appToken(stranger, ["DL.Admin"])
      assert.strictEqual(yield* rejection(forged), "The access token is signed by an unknown key.")
      assert.strictEqual(directory.state.jwksRequests, 2)
      // A flood of unknown kids does not turn into a flood of JWKS fetches.
      for (let i = 0; i < 5; i++) yield* rejection(forged)
      assert.strictEqual(directory.state.jwksRequests, 2)
      yield* TestClock.adjust("61 seconds")
      yield* rejection(forged)
      assert.strictEqual(directory.state.jwksRequests, 3)
    }))

  it.effect("key rotation: a token under a newly published kid is accepted after a refresh", () =>
    Effect.gen(function*() {
      const oldKey = yield* makeKey("k-old")
      const newKey = yield* makeKey("k-new")
      const { directory, verify } = yield* setup([oldKey])
      yield* verify(yield* appToken(oldKey, ["DL.Read.All"]))
      directory.state.keys = [oldKey, newKey]
      const caller = yield* verify(yield* appToken(newKey, ["DL.Admin"]))
      assert.strictEqual(caller.role, "admin")
      assert.strictEqual(directory.state.jwksRequests, 2)
      assert.strictEqual(directory.state.discoveryRequests, 2)
    }))

  it.effect("an unreachable tenant is a 503 (AuthUnavailable), not a 401; cached keys survive an outage", () =>
    Effect.gen(function*() {
      const key = yield* makeKey("k1")
      const { directory, verify } = yield* setup([key])
      directory.state.down = true
      const error = yield* Effect.flip(verify(yield* appToken(key, ["DL.Admin"])))
      assert.instanceOf(error, AuthUnavailable)
      directory.state.down = false
      // Within 5 s of a failed first load requests fail fast, without another fetch.
      assert.instanceOf(yield* Effect.flip(verify(yield* appToken(key, ["DL.Admin"]))), AuthUnavailable)
      assert.strictEqual(directory.state.discoveryRequests, 0)
      yield* TestClock.adjust("61 seconds")
      yield* verify(yield* appToken(key, ["DL.Admin"]))
      directory.state.down = true
      yield* TestClock.adjust("25 hours")
      assert.strictEqual((yield* verify(yield* appToken(key, ["DL.Admin"]))).role, "admin")
    }))

  it.effect("a disabled verifier rejects every token", () =>
    Effect.gen(function*() {
      const verifier = yield* Effect.provide(
        Effect.gen(function*() {
          return yield* TokenVerifier.TokenVerifier
        }),
        TokenVerifier.layerDisabled
      )
      const error = yield* Effect.flip(verifier.verify(Redacted.make("x.y.z")))
      assert.instanceOf(error, Unauthorized)
      assert.isFalse(verifier.enabled)
    }))
})

describe("TenantKeys.isTrustedUrl", () => {
  it("allows https anywhere and plain http only to this machine", () => {
    assert.isTrue(isTrustedUrl("https://login.microsoftonline.com"))
    assert.isTrue(isTrustedUrl("http://127.0.0.1:8081"))
    assert.isTrue(isTrustedUrl("http://localhost:8081"))
    assert.isTrue(isTrustedUrl("http://[::1]:8081"))
    assert.isFalse(isTrustedUrl("http://login.microsoftonline.com"))
    assert.isFalse(isTrustedUrl("http://127.0.0.1.evil.example"))
    assert.isFalse(isTrustedUrl("https://user:pass@login.microsoftonline.com"))
    assert.isFalse(isTrustedUrl("file:///etc/passwd"))
    assert.isFalse(isTrustedUrl("not a url"))
  })
})
