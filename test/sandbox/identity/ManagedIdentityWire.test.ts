/** The sandbox's IMDS managed-identity endpoint (spec: graph-and-identity.md §9, source 6). */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as Jose from "jose"
import * as Server from "../../../src/sandbox/Server.ts"
import { Sandbox } from "../../../src/sandbox/Server.ts"

const get = (url: string, headers: Record<string, string> = { Metadata: "true" }) =>
  Effect.promise(async () => {
    const response = await fetch(url, { headers })
    return { status: response.status, body: await response.json() as Record<string, any> }
  })

const path = "/metadata/identity/oauth2/token"

layer(Server.layerWith(Server.layerServicesTest()), { excludeTestServices: true })("IMDS wire", (it) => {
  it.effect("IMDS body with numbers as strings, a v1 token with the service app's roles; trailing slash as msal sends it", () =>
    Effect.gen(function*() {
      const s = yield* Sandbox
      const r = yield* get(`${s.baseUrl}${path}/?api-version=2018-02-01&resource=https%3a%2f%2fgraph.microsoft.com`)
      assert.strictEqual(r.status, 200)
      assert.deepStrictEqual(Object.keys(r.body).sort(), [
        "access_token", "client_id", "expires_in", "expires_on", "ext_expires_in", "not_before", "resource", "token_type"
      ])
      for (const key of ["expires_in", "expires_on", "ext_expires_in", "not_before"]) assert.match(r.body[key], /^\d+$/)
      assert.strictEqual(Number(r.body["expires_on"]) - Number(r.body["not_before"]), Number(r.body["expires_in"]))
      assert.strictEqual(r.body["token_type"], "Bearer")
      assert.strictEqual(r.body["resource"], "https://graph.microsoft.com")
      assert.strictEqual(r.body["client_id"], s.clientId.toLowerCase())
      const claims = Jose.decodeJwt(r.body["access_token"])
      assert.strictEqual(claims.aud, "https://graph.microsoft.com")
      assert.strictEqual(claims.iss, `https://sts.windows.net/${s.tenantId}/`)
      assert.strictEqual(claims["appid"], s.clientId.toLowerCase())
      assert.include(claims["roles"] as Array<string>, "User.Read.All")
    }))

  it.effect("Exchange by app id, and the identity addressed by client_id", () =>
    Effect.gen(function*() {
      const s = yield* Sandbox
      const r = yield* get(
        `${s.baseUrl}${path}?api-version=2018-02-01&resource=https://outlook.office365.com&client_id=${s.clientId}`
      )
      assert.strictEqual(r.status, 200)
      assert.deepStrictEqual(Jose.decodeJwt(r.body["access_token"])["roles"], ["Exchange.ManageAsApp"])
    }))

  it.effect("refusals: no Metadata header, another identity, an unknown resource, no resource", () =>
    Effect.gen(function*() {
      const s = yield* Sandbox
      const ok = `${s.baseUrl}${path}?api-version=2018-02-01&resource=https://graph.microsoft.com`
      const noHeader = yield* get(ok, {})
      assert.strictEqual(noHeader.status, 400)
      assert.deepStrictEqual(noHeader.body, { error: "bad_request_102", error_description: "Required metadata header not specified" })
      assert.strictEqual((yield* get(ok, { Metadata: "false" })).status, 400)
      const stranger = yield* get(`${ok}&client_id=11111111-2222-3333-4444-555555555555`)
      assert.deepStrictEqual([stranger.status, stranger.body], [400, { error: "invalid_request", error_description: "Identity not found" }])
      const unknown = yield* get(`${s.baseUrl}${path}?api-version=2018-02-01&resource=https://management.azure.com/`)
      assert.deepStrictEqual([unknown.status, unknown.body["error"]], [400, "invalid_resource"])
      const none = yield* get(`${s.baseUrl}${path}?api-version=2018-02-01`)
      assert.deepStrictEqual([none.status, none.body["error"]], [400, "invalid_request"])
    }))
})
