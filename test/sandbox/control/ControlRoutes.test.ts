/** The `/_sandbox` control face: minted tokens verifiable the standard way, stats, users, knobs. */
import { assert, layer } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as Jose from "jose"
import * as Server from "../../../src/sandbox/Server.ts"
import { Sandbox } from "../../../src/sandbox/Server.ts"

const call = (path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
  Effect.gen(function*() {
    const sandbox = yield* Sandbox
    const response = yield* Effect.promise(() =>
      fetch(`${sandbox.baseUrl}${path}`, {
        method: init.method ?? (init.body === undefined ? "GET" : "POST"),
        headers: { ...(init.body === undefined ? {} : { "content-type": "application/json" }), ...init.headers },
        ...(init.body === undefined ? {} : { body: typeof init.body === "string" ? init.body : JSON.stringify(init.body) })
      })
    )
    const text = yield* Effect.promise(() => response.text())
    return { status: response.status, body: text === "" ? undefined : JSON.parse(text) as any }
  })

layer(Server.layerWith(Server.layerServicesTest()), { excludeTestServices: true })("control face", (it) => {
  it.effect("POST /_sandbox/tokens: a delegated token names its user by object id and preferred_username, like Entra's", () =>
    Effect.gen(function*() {
      const created = yield* call("/_sandbox/users", {
        body: { userPrincipalName: "token.owner@contoso.example", displayName: "Token Owner", mail: "token.owner@fabrikam.example" }
      })
      assert.strictEqual(created.status, 201)
      const claimsOf = (order: Record<string, unknown>) =>
        Effect.map(call("/_sandbox/tokens", { body: { aud: "api://distribution-list-api", ...order } }), (minted) =>
          Jose.decodeJwt(minted.body.access_token))
      const delegated = yield* claimsOf({ scp: "DL.ReadWrite", upn: "Token.Owner@contoso.example" })
      assert.deepStrictEqual([delegated["oid"], delegated["preferred_username"]], [created.body.id, "Token.Owner@contoso.example"])
      // `sub` is pairwise as in Entra: stable per user and audience, never the oid
      assert.notStrictEqual(delegated.sub, created.body.id)
      assert.match(delegated.sub!, /^[A-Za-z0-9_-]{20,}$/)
      const again = yield* claimsOf({ scp: "DL.ReadWrite", upn: "token.owner@contoso.example" })
      assert.strictEqual(again.sub, delegated.sub)
      const otherAudience = yield* call("/_sandbox/tokens", { body: { aud: "api://other", scp: "DL.ReadWrite", upn: "token.owner@contoso.example" } })
      assert.notStrictEqual(Jose.decodeJwt(otherAudience.body.access_token).sub, delegated.sub)
      assert.strictEqual((yield* claimsOf({ scp: "DL.ReadWrite", upn: "token.owner@contoso.example", oid: "given" }))["oid"], "given")
      assert.isUndefined((yield* claimsOf({ scp: "DL.ReadWrite", upn: "nobody@contoso.example" }))["oid"])
      const servicePrincipal = yield* claimsOf({ roles: ["DL.Admin"], oid: "sp-object-id" })
      assert.deepStrictEqual([servicePrincipal["oid"], servicePrincipal.sub], ["sp-object-id", "sp-object-id"], "app-only: sub is the oid")
      const appOnly = yield* claimsOf({ roles: ["DL.Admin"], upn: "token.owner@contoso.example" })
      assert.isUndefined(appOnly["oid"])
      assert.isUndefined(appOnly["preferred_username"])
    }))

  it.effect("POST /_sandbox/tokens: verifiable through the OpenID configuration and its JWKS", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox
      const minted = yield* call("/_sandbox/tokens", {
        body: { aud: "api://distribution-list-api", roles: ["DistributionLists.ReadWrite.All"], upn: "adele.vance@contoso.example", expiresInSeconds: 600 }
      })
      assert.strictEqual(minted.status, 200)
      const oidc = yield* call(`/${sandbox.tenantId}/v2.0/.well-known/openid-configuration`)
      const jwks = Jose.createRemoteJWKSet(new URL(oidc.body.jwks_uri))
      const { payload, protectedHeader } = yield* Effect.promise(() =>
        Jose.jwtVerify(minted.body.access_token, jwks, { issuer: oidc.body.issuer, audience: "api://distribution-list-api" })
      )
      assert.strictEqual(protectedHeader.alg, "RS256")
      assert.deepStrictEqual(payload["roles"], ["DistributionLists.ReadWrite.All"])
      assert.strictEqual(payload["upn"], "adele.vance@contoso.example")
      assert.strictEqual(payload["tid"], sandbox.tenantId)
      assert.strictEqual(payload.exp! - payload.iat!, 600)
      const bad = yield* call("/_sandbox/tokens", { body: { roles: ["x"] } })
      assert.strictEqual(bad.status, 400)
      const notJson = yield* call("/_sandbox/tokens", { body: "{" })
      assert.strictEqual(notJson.status, 400)
    }))

  it.effect("stats count per surface and operation, and reset", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox
      assert.strictEqual((yield* call("/_sandbox/stats", { method: "DELETE" })).status, 204)
      const token = yield* call(`/${sandbox.tenantId}/oauth2/v2.0/token`, {
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: sandbox.clientId,
          client_secret: Redacted.value(sandbox.clientSecret),
          scope: "https://graph.microsoft.com/.default"
        }).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded" }
      })
      const auth = { authorization: `Bearer ${token.body.access_token}` }
      yield* call("/v1.0/users/adele.vance@contoso.example", { headers: auth })
      yield* call("/v1.0/$batch", { headers: auth, body: { requests: [{ id: "1", method: "GET", url: "/users?$top=1" }] } })
      const stats = (yield* call("/_sandbox/stats")).body
      assert.deepStrictEqual(stats.surfaces.identity.operations, { token: 1 })
      assert.deepStrictEqual(stats.surfaces.graph.operations, { "GET /users/{id}": 1, "POST /$batch": 1, "$batch GET /users": 1 })
      assert.strictEqual(stats.total, 4)
      yield* call("/_sandbox/stats/reset", { method: "POST" })
      assert.strictEqual((yield* call("/_sandbox/stats")).body.total, 0)
    }))

  it.effect("POST /_sandbox/users adds users Graph then finds; a taken address is 409", () =>
    Effect.gen(function*() {
      const created = yield* call("/_sandbox/users", { body: { userPrincipalName: "new.hire@contoso.example", displayName: "New Hire" } })
      assert.strictEqual(created.status, 201)
      assert.strictEqual(created.body.mail, "new.hire@contoso.example")
      const minted = yield* call("/_sandbox/tokens", { body: { aud: "https://graph.microsoft.com", roles: ["User.Read.All"] } })
      const user = yield* call("/v1.0/users/new.hire@contoso.example", { headers: { authorization: `Bearer ${minted.body.access_token}` } })
      assert.strictEqual(user.body.id, created.body.id)
      const again = yield* call("/_sandbox/users", { body: [{ userPrincipalName: "new.hire@contoso.example", displayName: "Again" }] })
      assert.strictEqual(again.status, 409)
    }))

  it.effect("GET/PATCH /_sandbox/behaviour reads and changes the knobs; out-of-range values are refused", () =>
    Effect.gen(function*() {
      const patched = yield* call("/_sandbox/behaviour", { method: "PATCH", body: { latencyMillis: 5, throttleRps: 100 } })
      assert.strictEqual(patched.status, 200)
      assert.deepStrictEqual(patched.body, { latencyMillis: 5, faultRate: 0, replicationDelayMillis: 0, throttleRps: 100, graphResourceUnitsPer10s: 0, lostReplyRate: 0 })
      assert.strictEqual((yield* call("/_sandbox/behaviour", { method: "PATCH", body: { faultRate: 2 } })).status, 400)
      const budget = yield* call("/_sandbox/behaviour", { method: "PATCH", body: { graphResourceUnitsPer10s: 8000 } })
      assert.strictEqual(budget.body.graphResourceUnitsPer10s, 8000)
      // Whole resource units only (the bucket's arithmetic stays exact), never negative.
      assert.strictEqual((yield* call("/_sandbox/behaviour", { method: "PATCH", body: { graphResourceUnitsPer10s: 0.5 } })).status, 400)
      assert.strictEqual((yield* call("/_sandbox/behaviour", { method: "PATCH", body: { graphResourceUnitsPer10s: -1 } })).status, 400)
      assert.strictEqual((yield* call("/_sandbox/behaviour")).body.graphResourceUnitsPer10s, 8000)
      yield* call("/_sandbox/behaviour", { method: "PATCH", body: { graphResourceUnitsPer10s: 0 } })
      const reset = yield* call("/_sandbox/behaviour", { method: "PATCH", body: { latencyMillis: 0, throttleRps: 0 } })
      assert.deepStrictEqual((yield* call("/_sandbox/behaviour")).body, reset.body)
    }))
})
