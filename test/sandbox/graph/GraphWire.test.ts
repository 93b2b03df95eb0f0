/** The Graph face's wire shapes and limits (spec: graph-and-identity.md §1–§5), over real HTTP. */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { AccessTokens } from "../../../src/sandbox/identity/AccessTokens.ts"
import * as Server from "../../../src/sandbox/Server.ts"
import { Sandbox } from "../../../src/sandbox/Server.ts"
import { Behaviour } from "../../../src/sandbox/tenant/Behaviour.ts"

const appRoles = ["User.Read.All", "Directory.Read.All", "Group.Read.All", "GroupMember.Read.All"]

const token = (aud = "https://graph.microsoft.com", roles: ReadonlyArray<string> = appRoles) =>
  Effect.flatMap(AccessTokens, (t) => t.issue({ aud, appid: "app", roles })).pipe(Effect.map((i) => i.token))

const call = (path: string, options: { token?: string; method?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
  Effect.gen(function*() {
    const sandbox = yield* Sandbox
    const response = yield* Effect.promise(() =>
      fetch(`${sandbox.baseUrl}${path}`, {
        method: options.method ?? (options.body === undefined ? "GET" : "POST"),
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(options.body === undefined ? {} : { "content-type": "application/json" }),
          ...options.headers
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) })
      })
    )
    return { status: response.status, headers: response.headers, body: yield* Effect.promise(() => response.json() as Promise<any>) }
  })

const exchange = (cmdlet: string, parameters: Record<string, unknown>) =>
  Effect.gen(function*() {
    const sandbox = yield* Sandbox
    const exoToken = yield* token("https://outlook.office365.com", ["Exchange.ManageAsApp"])
    return yield* call(`/adminapi/beta/${sandbox.tenantId}/InvokeCommand`, {
      token: exoToken,
      body: { CmdletInput: { CmdletName: cmdlet, Parameters: parameters } },
      headers: { "x-anchormailbox": `APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@${sandbox.tenantId}` }
    })
  })

layer(Server.layerWith(Server.layerServicesTest()), { excludeTestServices: true })("Graph face wire", (it) => {
  it.effect("404 body: Request_ResourceNotFound with innerError {date, request-id, client-request-id} (§1.4)", () =>
    Effect.gen(function*() {
      const id = "73f6134c-e647-4ab1-8ccb-287be982da02"
      const r = yield* call(`/v1.0/users/${id}`, { token: yield* token(), headers: { "client-request-id": "c6bde806-2a0d-4d39-a3f1-2b666b092737" } })
      assert.strictEqual(r.status, 404)
      assert.deepStrictEqual(Object.keys(r.body.error), ["code", "message", "innerError"])
      assert.strictEqual(r.body.error.code, "Request_ResourceNotFound")
      assert.strictEqual(r.body.error.message, `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`)
      assert.deepStrictEqual(Object.keys(r.body.error.innerError), ["date", "request-id", "client-request-id"])
      assert.match(r.body.error.innerError.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/)
      assert.strictEqual(r.body.error.innerError["client-request-id"], "c6bde806-2a0d-4d39-a3f1-2b666b092737")
      assert.strictEqual(r.body.error.innerError["request-id"], r.headers.get("request-id"))
    }))

  it.effect("401 without a Graph token (none, or one for Exchange); 403 Authorization_RequestDenied without a role (§2 sample)", () =>
    Effect.gen(function*() {
      const none = yield* call("/v1.0/users")
      assert.strictEqual(none.status, 401)
      assert.strictEqual(none.body.error.code, "InvalidAuthenticationToken")
      assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer /)
      const exo = yield* call("/v1.0/users", { token: yield* token("https://outlook.office365.com", ["Exchange.ManageAsApp"]) })
      assert.strictEqual(exo.status, 401)
      const byAppId = yield* call("/v1.0/users?$top=1", { token: yield* token("00000003-0000-0000-c000-000000000000") })
      assert.strictEqual(byAppId.status, 200)
      const noRole = yield* call("/v1.0/users", { token: yield* token("https://graph.microsoft.com", []) })
      assert.strictEqual(noRole.status, 403)
      assert.strictEqual(noRole.body.error.code, "Authorization_RequestDenied")
      assert.strictEqual(noRole.body.error.message, "Insufficient privileges to complete the operation.")
      const usersOnly = yield* call("/v1.0/directoryObjects/getByIds", { token: yield* token("https://graph.microsoft.com", ["User.Read.All"]), body: { ids: [] } })
      assert.strictEqual(usersOnly.status, 403)
    }))

  it.effect("$filter: eq on mail/userPrincipalName, proxyAddresses/any, empty result, more than 15 OR clauses refused (§1.2)", () =>
    Effect.gen(function*() {
      const t = yield* token()
      const byMail = yield* call("/v1.0/users?$filter=mail eq 'Adele.Vance@contoso.example'", { token: t })
      assert.deepStrictEqual(byMail.body.value.map((u: any) => u.userPrincipalName), ["adele.vance@contoso.example"])
      assert.strictEqual(byMail.body["@odata.context"], "https://graph.microsoft.com/v1.0/$metadata#users")
      // A secondary proxy address is not `mail`.
      const notMail = yield* call("/v1.0/users?$filter=mail eq 'adelev@contoso.example'", { token: t })
      assert.deepStrictEqual(notMail.body.value, [])
      const proxy = yield* call("/v1.0/users?$filter=proxyAddresses/any(x:x eq 'smtp:adelev@contoso.example')&$select=id,proxyAddresses", { token: t })
      assert.lengthOf(proxy.body.value, 1)
      assert.deepStrictEqual(Object.keys(proxy.body.value[0]), ["id", "proxyAddresses"])
      const sixteen = Array.from({ length: 16 }, (_, i) => `'u${i}@contoso.example'`).join(",")
      const tooMany = yield* call(`/v1.0/users?$filter=userPrincipalName in (${sixteen})`, { token: t })
      assert.strictEqual(tooMany.status, 400)
      assert.strictEqual(tooMany.body.error.message, "Too many child clauses specified in search filter expression containing 'OR' operators: 16. Max allowed: 15")
      const fifteen = Array.from({ length: 15 }, (_, i) => `mail eq 'u${i}@contoso.example'`).join(" or ")
      assert.strictEqual((yield* call(`/v1.0/users?$filter=${fifteen}`, { token: t })).status, 200)
      const advanced = yield* call(`/v1.0/users?$filter=userPrincipalName in (${sixteen})&$count=true`, { token: t, headers: { consistencylevel: "eventual" } })
      assert.strictEqual(advanced.status, 200)
      assert.strictEqual(advanced.body["@odata.count"], 0)
    }))

  it.effect("$top outside 1–999 is refused with the sourced text (§1.1); $search needs ConsistencyLevel (§1.2)", () =>
    Effect.gen(function*() {
      const t = yield* token()
      const top = yield* call("/v1.0/users?$top=1000", { token: t })
      assert.strictEqual(top.status, 400)
      assert.strictEqual(top.body.error.message, "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive.")
      const search = yield* call(`/v1.0/users?$search="displayName:adele"`, { token: t })
      assert.strictEqual(search.status, 400)
      assert.strictEqual(search.body.error.code, "Request_UnsupportedQuery")
    }))

  it.effect("groups: what Exchange writes Graph reads as a DL (mailEnabled, not securityEnabled, groupTypes []) (§4)", () =>
    Effect.gen(function*() {
      const created = yield* exchange("New-DistributionGroup", {
        Name: "Graph Readers",
        Alias: "graph-readers",
        PrimarySmtpAddress: "graph-readers@contoso.example",
        ManagedBy: ["admin@contoso.example"],
        Members: ["adele.vance@contoso.example", "alex.wilber@contoso.example"]
      })
      assert.strictEqual(created.status, 200, JSON.stringify(created.body))
      const t = yield* token()
      const list = yield* call("/v1.0/groups?$filter=mailEnabled eq true and securityEnabled eq false", { token: t })
      const group = list.body.value.find((g: any) => g.mail === "graph-readers@contoso.example")
      assert.deepStrictEqual([group.mailEnabled, group.securityEnabled, group.groupTypes], [true, false, []])
      const byMail = yield* call("/v1.0/groups?$filter=mail eq 'graph-readers@contoso.example'&$select=id,displayName", { token: t })
      assert.deepStrictEqual(byMail.body.value, [{ id: group.id, displayName: "Graph Readers" }])
      const members = yield* call(`/v1.0/groups/${group.id}/members`, { token: t })
      assert.deepStrictEqual(members.body.value.map((m: any) => [m["@odata.type"], m.mail]), [
        ["#microsoft.graph.user", "adele.vance@contoso.example"],
        ["#microsoft.graph.user", "alex.wilber@contoso.example"]
      ])
      const first = yield* call(`/v1.0/groups/${group.id}/members?$top=1&$select=mail`, { token: t })
      const next = new URL(first.body["@odata.nextLink"])
      const second = yield* call(`${next.pathname}${next.search}`, { token: t })
      assert.deepStrictEqual([first.body.value, second.body.value, second.body["@odata.nextLink"]], [
        [{ "@odata.type": "#microsoft.graph.user", mail: "adele.vance@contoso.example" }],
        [{ "@odata.type": "#microsoft.graph.user", mail: "alex.wilber@contoso.example" }],
        undefined
      ])
      const owners = yield* call(`/v1.0/groups/${group.id}/owners`, { token: t })
      assert.deepStrictEqual(owners.body.value.map((m: any) => m.userPrincipalName), ["admin@contoso.example"])
      const byIds = yield* call("/v1.0/directoryObjects/getByIds", { token: t, body: { ids: [group.id] } })
      assert.strictEqual(byIds.body.value[0]["@odata.type"], "#microsoft.graph.group")
    }))

  it.effect("$batch: more than 20 requests → 400; duplicate ids → 400 (§2)", () =>
    Effect.gen(function*() {
      const t = yield* token()
      const requests = Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: "GET", url: "/users?$top=1" }))
      const over = yield* call("/v1.0/$batch", { token: t, body: { requests } })
      assert.strictEqual(over.status, 400)
      assert.strictEqual(over.body.error.message, "Number of requests inside batch exceeds the limit.")
      const duplicate = yield* call("/v1.0/$batch", { token: t, body: { requests: [{ id: "A", method: "GET", url: "users" }, { id: "a", method: "GET", url: "users" }] } })
      assert.strictEqual(duplicate.status, 400)
      const twenty = yield* call("/v1.0/$batch", { token: t, body: { requests: requests.slice(0, 20) } })
      assert.strictEqual(twenty.status, 200)
      assert.lengthOf(twenty.body.responses, 20)
      assert.deepStrictEqual(Object.keys(twenty.body.responses[0]), ["id", "status", "headers", "body"])
    }))

  it.effect("throttling: 429 with Retry-After and the §5 body; inside $batch per entry with Retry-After in its headers", () =>
    Effect.gen(function*() {
      const behaviour = yield* Behaviour
      const t = yield* token()
      yield* behaviour.set({ faultRate: 1 })
      const direct = yield* call("/v1.0/users?$top=1", { token: t })
      const batch = yield* call("/v1.0/$batch", {
        token: t,
        body: { requests: Array.from({ length: 6 }, (_, i) => ({ id: String(i), method: "GET", url: "/users?$top=1" })) }
      })
      yield* behaviour.set({ faultRate: 0 })
      assert.include([429, 503], direct.status)
      assert.strictEqual(batch.status, 200)
      const statuses = batch.body.responses.map((r: any) => r.status)
      assert.isTrue(statuses.every((s: number) => s === 429 || s === 503))
      const inner429 = batch.body.responses.find((r: any) => r.status === 429)
      if (inner429 !== undefined) {
        assert.match(inner429.headers["Retry-After"], /^\d+$/)
        assert.strictEqual(inner429.body.error.code, "TooManyRequests")
        assert.deepStrictEqual(Object.keys(inner429.body.error.innerError), ["code", "date", "message", "request-id", "status"])
      }
      yield* behaviour.set({ throttleRps: 1 })
      const burst = yield* Effect.forEach([1, 2, 3], () => call("/v1.0/users?$top=1", { token: t }), { concurrency: "unbounded" })
      yield* behaviour.set({ throttleRps: 0 })
      const throttled = burst.find((r) => r.status === 429)
      assert.isDefined(throttled)
      assert.match(throttled!.headers.get("retry-after") ?? "", /^\d+$/)
      assert.strictEqual(throttled!.body.error.message, "Please retry again later.")
    }))
})
