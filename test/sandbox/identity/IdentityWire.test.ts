/** The identity face's wire shapes (spec: graph-and-identity.md §6.2–§6.5). */
import { assert, layer } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as Jose from "jose"
import * as Server from "../../../src/sandbox/Server.ts"
import { Sandbox } from "../../../src/sandbox/Server.ts"

const call = (url: string, init?: RequestInit) =>
  Effect.promise(async () => {
    const response = await fetch(url, init)
    return { status: response.status, headers: response.headers, body: await response.json() as Record<string, any> }
  })

const form = (fields: Record<string, string>) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded;charset=utf-8" },
  body: new URLSearchParams(fields).toString()
})

layer(Server.layerWith(Server.layerServicesTest()), { excludeTestServices: true })("identity wire", (it) => {
  it.effect("success body and headers (§6.2), trailing slash and Basic auth accepted", () =>
    Effect.gen(function*() {
      const s = yield* Sandbox
      const basic = btoa(`${encodeURIComponent(s.clientId)}:${encodeURIComponent(Redacted.value(s.clientSecret))}`)
      const r = yield* call(`${s.baseUrl}/${s.tenantDomain}/oauth2/v2.0/token/`, {
        ...form({ grant_type: "client_credentials", scope: "00000002-0000-0ff1-ce00-000000000000/.default" }),
        headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${basic}` }
      })
      assert.strictEqual(r.status, 200)
      assert.deepStrictEqual(Object.keys(r.body), ["token_type", "expires_in", "ext_expires_in", "access_token"])
      assert.strictEqual(r.body["token_type"], "Bearer")
      assert.strictEqual(r.body["expires_in"], 3599)
      assert.strictEqual(r.headers.get("cache-control"), "no-store, no-cache")
      assert.strictEqual(r.headers.get("pragma"), "no-cache")
      assert.match(r.headers.get("content-type") ?? "", /^application\/json; charset=utf-8$/)
      assert.match(r.headers.get("x-ms-request-id") ?? "", /^[0-9a-f-]{36}$/)
      const claims = Jose.decodeJwt(r.body["access_token"])
      assert.strictEqual(claims.aud, "00000002-0000-0ff1-ce00-000000000000")
      assert.deepStrictEqual(claims["roles"], ["Exchange.ManageAsApp"])
      assert.strictEqual(claims["tid"], s.tenantId)
      assert.strictEqual(claims["idtyp"], "app")
    }))

  it.effect("error body: every field of §6.3, \\r\\n-separated description, correlation_id echoes client-request-id", () =>
    Effect.gen(function*() {
      const s = yield* Sandbox
      const correlation = "5fc87507-0000-4000-8000-000000000001"
      const r = yield* call(
        `${s.baseUrl}/${s.tenantId}/oauth2/v2.0/token?client-request-id=${correlation}`,
        form({ grant_type: "client_credentials", client_id: s.clientId, client_secret: "wrong", scope: "https://graph.microsoft.com/.default" })
      )
      assert.strictEqual(r.status, 401)
      assert.deepStrictEqual(Object.keys(r.body).sort(), [
        "correlation_id", "error", "error_codes", "error_description", "error_uri", "timestamp", "trace_id"
      ])
      assert.strictEqual(r.body["error"], "invalid_client")
      assert.deepStrictEqual(r.body["error_codes"], [7000215])
      assert.strictEqual(r.body["correlation_id"], correlation)
      assert.strictEqual(r.body["error_uri"], "https://login.microsoftonline.com/error?code=7000215")
      assert.match(r.body["timestamp"], /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/)
      const lines = (r.body["error_description"] as string).split("\r\n")
      assert.strictEqual(
        lines[0],
        `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${s.clientId}'.`
      )
      assert.deepStrictEqual(lines.slice(1), [
        `Trace ID: ${r.body["trace_id"]}`,
        `Correlation ID: ${correlation}`,
        `Timestamp: ${r.body["timestamp"]}`
      ])
    }))

  it.effect("unknown tenant → 400 invalid_tenant with the §6.3 text; scope without /.default → invalid_scope", () =>
    Effect.gen(function*() {
      const s = yield* Sandbox
      const t = yield* call(`${s.baseUrl}/nowhere.onmicrosoft.com/oauth2/v2.0/token`, form({ grant_type: "client_credentials" }))
      assert.strictEqual(t.status, 400)
      assert.strictEqual(t.body["error"], "invalid_tenant")
      assert.match(t.body["error_description"], /^AADSTS90002: Tenant 'nowhere\.onmicrosoft\.com' not found\. Check to make sure/)
      const scope = yield* call(
        `${s.baseUrl}/${s.tenantId}/oauth2/v2.0/token`,
        form({ grant_type: "client_credentials", client_id: s.clientId, client_secret: Redacted.value(s.clientSecret), scope: "https://graph.microsoft.com/User.Read.All" })
      )
      assert.strictEqual(scope.status, 400)
      assert.strictEqual(scope.body["error"], "invalid_scope")
    }))

  it.effect("OpenID configuration (§6.4) on the sandbox's base URL; JWKS verifies control-minted tokens", () =>
    Effect.gen(function*() {
      const s = yield* Sandbox
      const doc = yield* call(`${s.baseUrl}/${s.tenantDomain}/v2.0/.well-known/openid-configuration`)
      assert.strictEqual(doc.status, 200)
      assert.strictEqual(doc.headers.get("cache-control"), "max-age=86400, private")
      assert.strictEqual(doc.body["issuer"], `${s.baseUrl}/${s.tenantId}/v2.0`)
      assert.strictEqual(doc.body["token_endpoint"], `${s.baseUrl}/${s.tenantId}/oauth2/v2.0/token`)
      assert.strictEqual(doc.body["jwks_uri"], `${s.baseUrl}/${s.tenantId}/discovery/v2.0/keys`)
      const keys = yield* call(doc.body["jwks_uri"])
      const key = keys.body["keys"][0]
      assert.strictEqual(key.kty, "RSA")
      assert.strictEqual(key.use, "sig")
      assert.isString(key.kid)
      const common = yield* call(`${s.baseUrl}/common/v2.0/.well-known/openid-configuration`)
      assert.strictEqual(common.body["issuer"], `${s.baseUrl}/{tenantid}/v2.0`)
      const unknown = yield* call(`${s.baseUrl}/nowhere.example/v2.0/.well-known/openid-configuration`)
      assert.strictEqual(unknown.status, 400)
      assert.strictEqual(unknown.body["error"], "invalid_tenant")
    }))

  it.effect("instance discovery (§6.5) names the authority's tenant discovery endpoint", () =>
    Effect.gen(function*() {
      const s = yield* Sandbox
      const r = yield* call(
        `${s.baseUrl}/common/discovery/instance?api-version=1.1&authorization_endpoint=https://login.microsoftonline.com/${s.tenantId}/oauth2/v2.0/authorize`
      )
      assert.strictEqual(r.body["tenant_discovery_endpoint"], `https://login.microsoftonline.com/${s.tenantId}/v2.0/.well-known/openid-configuration`)
      assert.strictEqual(r.body["api-version"], "1.1")
      assert.strictEqual(r.body["metadata"][0].preferred_cache, "login.windows.net")
    }))
})
