/**
 * Graph query details the fidelity review added (spec: graph-and-identity.md §1.1, §1.2, §2), over real HTTP:
 * startsWith/endsWith/ne/not and the advanced-query parameters, `/users/$count`, `$`-prefixed UPNs,
 * per-request ids inside `$batch`.
 */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as GraphQueries from "../../../src/adapters/microsoft/GraphQueries.ts"
import { AccessTokens } from "../../../src/sandbox/identity/AccessTokens.ts"
import * as Server from "../../../src/sandbox/Server.ts"
import { Sandbox } from "../../../src/sandbox/Server.ts"
import { TenantModel } from "../../../src/sandbox/tenant/TenantModel.ts"

const token = Effect.flatMap(AccessTokens, (t) => t.issue({ aud: "https://graph.microsoft.com", appid: "app", roles: ["User.Read.All"] }))
  .pipe(Effect.map((i) => i.token))

const call = (path: string, options: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
  Effect.gen(function*() {
    const sandbox = yield* Sandbox
    const t = yield* token
    const response = yield* Effect.promise(() =>
      fetch(`${sandbox.baseUrl}${path}`, {
        method: options.method ?? (options.body === undefined ? "GET" : "POST"),
        headers: {
          authorization: `Bearer ${t}`,
          ...(options.body === undefined ? {} : { "content-type": "application/json" }),
          ...options.headers
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) })
      })
    )
    const text = yield* Effect.promise(() => response.text())
    const json = (response.headers.get("content-type") ?? "").includes("json") ? JSON.parse(text) : undefined
    return { status: response.status, headers: response.headers, text, body: json as any }
  })

const eventual = { consistencylevel: "eventual" }

/**
 * An advanced `mail in (…)` query whose absolute URL (`https://graph.microsoft.com/v1.0` + it) is exactly
 * `length` characters; already percent-encoded the way fetch would send it, so it arrives unchanged.
 */
const inQueryOfLength = (length: number) => {
  const head = "/users?$filter=mail%20in%20("
  const tail = ")&$count=true&$select=mail"
  const values = Array.from({ length: 60 }, (_, i) => `%27user${String(i + 1).padStart(5, "0")}@contoso.example%27`)
  const fixed = "https://graph.microsoft.com/v1.0".length + head.length + tail.length + values.join(",").length + ",%27@contoso.example%27".length
  return `${head}${values.join(",")},%27${"x".repeat(length - fixed)}@contoso.example%27${tail}`
}
const upns = (r: { body: any }) => r.body.value.map((u: any) => u.userPrincipalName).sort()

// spec §1.2, verbatim (aad-advanced-queries.md).
const endsWithRefusal =
  "Operator 'endsWith' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information"

layer(Server.layerWith(Server.layerServicesTest()), { excludeTestServices: true })("Graph advanced queries", (it) => {
  it.effect("startsWith is Default on mail, userPrincipalName and proxyAddresses/any (§1.2 table)", () =>
    Effect.gen(function*() {
      const mail = yield* call("/v1.0/users?$filter=startsWith(mail,'ADELE.')&$select=userPrincipalName")
      assert.strictEqual(mail.status, 200)
      assert.deepStrictEqual(upns(mail), ["adele.vance@contoso.example"])
      const upn = yield* call("/v1.0/users?$filter=startswith(userPrincipalName,'al')&$select=userPrincipalName")
      assert.deepStrictEqual(upns(upn), ["alex.wilber@contoso.example", "allan.deyoung@contoso.example"])
      const proxy = yield* call("/v1.0/users?$filter=proxyAddresses/any(p:startsWith(p,'smtp:adelev@'))&$select=userPrincipalName")
      assert.deepStrictEqual(upns(proxy), ["adele.vance@contoso.example"])
    }))

  it.effect("endsWith, ne and not need ConsistencyLevel: eventual and $count=true; endsWith's refusal is verbatim (§1.2)", () =>
    Effect.gen(function*() {
      const bare = yield* call("/v1.0/users?$filter=endsWith(mail,'@contoso.example')")
      assert.strictEqual(bare.status, 400)
      assert.strictEqual(bare.body.error.code, "Request_UnsupportedQuery")
      assert.strictEqual(bare.body.error.message, endsWithRefusal)
      assert.deepStrictEqual(Object.keys(bare.body.error.innerError), ["date", "request-id", "client-request-id"])
      // The header alone is not enough: advanced queries are the header AND $count=true.
      assert.strictEqual((yield* call("/v1.0/users?$filter=endsWith(mail,'x')", { headers: eventual })).status, 400)
      const advanced = yield* call(
        "/v1.0/users?$filter=endsWith(userPrincipalName,'wilber@contoso.example')&$count=true&$select=userPrincipalName",
        { headers: eventual }
      )
      assert.strictEqual(advanced.status, 200)
      assert.deepStrictEqual(upns(advanced), ["alex.wilber@contoso.example"])
      assert.strictEqual(advanced.body["@odata.count"], 1)
      // endsWith is supported only on mail, otherMails, userPrincipalName and proxyAddresses.
      const displayName = yield* call("/v1.0/users?$filter=endsWith(displayName,'Vance')&$count=true", { headers: eventual })
      assert.strictEqual(displayName.status, 400)
      assert.strictEqual(displayName.body.error.code, "Request_UnsupportedQuery")
      const ne = yield* call("/v1.0/users?$filter=mail ne 'x@contoso.example'")
      assert.strictEqual(ne.status, 400)
      assert.include(ne.body.error.message, "Operator 'ne' is not supported")
      const not = yield* call(
        "/v1.0/users?$filter=startsWith(mail,'a') and not(startsWith(mail,'adele'))&$count=true&$select=userPrincipalName",
        { headers: eventual }
      )
      assert.strictEqual(not.status, 200)
      assert.include(upns(not), "alex.wilber@contoso.example")
      assert.notInclude(upns(not), "adele.vance@contoso.example")
    }))

  it.effect("/users/$count: 400 Request_BadRequest without ConsistencyLevel (verbatim §1.2), text/plain with it", () =>
    Effect.gen(function*() {
      const bare = yield* call("/v1.0/users/$count")
      assert.strictEqual(bare.status, 400)
      assert.strictEqual(bare.body.error.code, "Request_BadRequest")
      assert.strictEqual(bare.body.error.message, "$count is not currently supported.")
      const counted = yield* call("/v1.0/users/$count?$filter=startsWith(mail,'al')", { headers: eventual })
      assert.strictEqual(counted.status, 200)
      assert.match(counted.headers.get("content-type") ?? "", /^text\/plain/)
      assert.strictEqual(counted.text, "2")
    }))

  it.effect("a UPN starting with $ is a 400 in the path form and found in the ('…') form (§1.1)", () =>
    Effect.gen(function*() {
      const path = yield* call("/v1.0/users/$adele.vance@contoso.example")
      assert.strictEqual(path.status, 400)
      const quoted = yield* call("/v1.0/users('$nobody@contoso.example')")
      assert.strictEqual(quoted.status, 404)
      assert.strictEqual(quoted.body.error.code, "Request_ResourceNotFound")
    }))

  it.effect("$batch: every inner response has its own request-id in innerError (§2 sample)", () =>
    Effect.gen(function*() {
      const r = yield* call("/v1.0/$batch", {
        body: {
          requests: [
            { id: "1", method: "GET", url: "/users/nobody1@contoso.example" },
            { id: "2", method: "GET", url: "/users/nobody2@contoso.example", headers: { "client-request-id": "inner-2" } }
          ]
        },
        headers: { "client-request-id": "outer" }
      })
      assert.strictEqual(r.status, 200)
      const inner = r.body.responses.map((x: any) => x.body.error.innerError)
      assert.notStrictEqual(inner[0]["request-id"], inner[1]["request-id"])
      assert.notStrictEqual(inner[0]["request-id"], r.headers.get("request-id"))
      assert.deepStrictEqual(inner.map((i: any) => i["client-request-id"]), ["outer", "inner-2"])
    }))

  it.effect("advanced queries lift the 15-expression limit up to a 2,048-character absolute URL, also inside $batch (§1.2)", () =>
    Effect.gen(function*() {
      const fits = inQueryOfLength(2048)
      const over = inQueryOfLength(2049)
      assert.strictEqual(`https://graph.microsoft.com/v1.0${fits}`.length, 2048)
      const ok = yield* call(`/v1.0${fits}`, { headers: eventual })
      assert.strictEqual(ok.status, 200, ok.text)
      assert.isArray(ok.body.value)
      const tooLong = yield* call(`/v1.0${over}`, { headers: eventual })
      assert.strictEqual(tooLong.status, 400)
      assert.strictEqual(tooLong.body.error.code, "Request_UnsupportedQuery")
      assert.match(tooLong.body.error.message, /2049 characters.*2048/)
      // Without the advanced-query parameters the 15-expression limit answers first.
      assert.match((yield* call(`/v1.0${fits.replace("&$count=true", "")}`)).body.error.message, /Max allowed: 15/)
      const entry = (id: string, url: string) => ({ id, method: "GET", url, headers: eventual })
      const batched = yield* call("/v1.0/$batch", { body: { requests: [entry("fits", fits), entry("over", over)] } })
      assert.deepStrictEqual(batched.body.responses.map((r: any) => [r.id, r.status]), [["fits", 200], ["over", 400]])
    }))

  it.effect("a value over 120 characters matched with `eq` or `in` needs the advanced-query parameters (§1.2)", () =>
    Effect.gen(function*() {
      const tenant = yield* TenantModel
      const local = "l".repeat(110)
      yield* tenant.addUser({
        userPrincipalName: "long.proxy@contoso.example",
        displayName: "Long Proxy",
        mail: "long.proxy@contoso.example",
        extraAddresses: [`${local}@contoso.example`]
      })
      const mail120 = `${"m".repeat(120 - "@contoso.example".length)}@contoso.example`
      const proxy = `proxyAddresses/any(p:p eq 'smtp:${local}@contoso.example')`
      assert.strictEqual((yield* call(`/v1.0/users?$filter=mail eq '${mail120}'`)).status, 200)
      for (const filter of [`mail eq 'x${mail120}'`, `mail in ('a@contoso.example','x${mail120}')`, proxy]) {
        const refused = yield* call(`/v1.0/users?$filter=${encodeURIComponent(filter)}`)
        assert.strictEqual(refused.status, 400, filter)
        assert.strictEqual(refused.body.error.code, "Request_UnsupportedQuery")
        assert.match(refused.body.error.message, /Max allowed without advanced query parameters: 120/)
      }
      const advanced = yield* call(`/v1.0/users?$filter=${encodeURIComponent(proxy)}&$count=true`, { headers: eventual })
      assert.deepStrictEqual(upns(advanced), ["long.proxy@contoso.example"])
      // the adapter's query for such an address: all three ways at once, as an advanced query
      const url = GraphQueries.longAddressFilterUrl(`${local}@contoso.example`)
      const batched = yield* call("/v1.0/$batch", { body: { requests: [{ id: "1", method: "GET", url, headers: GraphQueries.ADVANCED_HEADERS }] } })
      assert.deepStrictEqual(batched.body.responses[0].body.value.map((u: any) => u.userPrincipalName), ["long.proxy@contoso.example"])
    }))

  it.effect("the service's packed `mail in` queries fit, even packed for the sandbox's shorter base URL (inside $batch)", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox
      for (const pad of [0, 7, 13, 21, 34]) {
        const addresses = Array.from({ length: 150 }, (_, i) => `${"p".repeat(pad)}${i}@contoso.example`)
        // As the adapter sends them: inside $batch (a direct GET would have fetch turn each ' into %27).
        const urls = GraphQueries.packedUserFilterUrls(addresses, "mail", `${sandbox.baseUrl}/v1.0`)
        const requests = urls.map((url, i) => ({ id: String(i), method: "GET", url, headers: GraphQueries.ADVANCED_HEADERS }))
        const batched = yield* call("/v1.0/$batch", { body: { requests } })
        assert.isAbove(urls.length, 1)
        assert.deepStrictEqual(batched.body.responses.map((r: any) => r.status), urls.map(() => 200), `pad ${pad}`)
      }
    }))
})
