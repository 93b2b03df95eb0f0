import { assert, describe, it } from "@effect/vitest"
import { classifyExchangeError, MemberAlreadyPresent, rebase, SeedClient, UpstreamNotFound, UpstreamTransient } from "../../bench/baseline/SeedClient.ts"
import { SeedService } from "../../bench/baseline/SeedService.ts"
import type { HttpRequest, HttpResponse } from "../../bench/lib/HttpClient.ts"

/** A tiny stand-in for the three wire faces, recording every call. */
const fakeTenant = (users: ReadonlyArray<string>, options: { throttleFirstAdds?: number; pageSize?: number } = {}) => {
  const calls: Array<string> = []
  const groups = new Map<string, { owners: Array<string>; members: Array<string> }>()
  let throttles = options.throttleFirstAdds ?? 0
  const json = (status: number, body: unknown): HttpResponse => ({ status, headers: {}, text: JSON.stringify(body), ms: 0 })
  const exoError = (status: number, message: string) => json(status, { error: { code: "x", message: "Error executing cmdlet", details: [{ message }] } })
  const transport = async (req: HttpRequest): Promise<HttpResponse> => {
    const url = new URL(req.url)
    if (url.pathname.endsWith("/oauth2/v2.0/token")) {
      calls.push("token")
      return json(200, { token_type: "Bearer", expires_in: 3599, access_token: "t" })
    }
    if (url.pathname === "/v1.0/$batch") {
      calls.push("graph:$batch")
      const body = JSON.parse(req.body!) as { requests: Array<{ id: string; url: string }> }
      return json(200, { responses: body.requests.map((r) => ({ id: r.id, status: 200, body: { mail: decodeURIComponent(r.url.split("/")[2]!.split("?")[0]!) } })) })
    }
    if (url.pathname.startsWith("/v1.0/users/")) {
      calls.push("graph:user")
      const upn = decodeURIComponent(url.pathname.slice("/v1.0/users/".length))
      return users.includes(upn) ? json(200, { userPrincipalName: upn }) : json(404, { error: { code: "Request_ResourceNotFound" } })
    }
    const { CmdletInput: { CmdletName: cmdlet, Parameters: p } } = JSON.parse(req.body!) as { CmdletInput: { CmdletName: string; Parameters: Record<string, any> } }
    calls.push(`exo:${cmdlet}`)
    const group = groups.get(String(p.Identity))
    switch (cmdlet) {
      case "New-DistributionGroup":
        groups.set(p.PrimarySmtpAddress, { owners: p.ManagedBy, members: [] })
        return json(200, { value: [{ PrimarySmtpAddress: p.PrimarySmtpAddress }] })
      case "Get-DistributionGroup":
        return group === undefined ? exoError(404, "Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|not found")
          : json(200, { value: [{ PrimarySmtpAddress: p.Identity, Alias: "a", ManagedBy: group.owners }] })
      case "Add-DistributionGroupMember":
        if (throttles > 0) {
          throttles--
          return json(429, {})
        }
        if (group!.members.includes(p.Member)) return exoError(400, "|Microsoft.Exchange.Management.Tasks.MemberAlreadyExistsException|already a member")
        group!.members.push(p.Member)
        return json(200, { value: [] })
      case "Remove-DistributionGroupMember":
        group!.members = group!.members.filter((m) => m !== p.Member)
        return json(200, { value: [] })
      case "Get-DistributionGroupMember": {
        const size = options.pageSize ?? 1000
        const page = Number(url.searchParams.get("page") ?? "0")
        const slice = group!.members.slice(page * size, (page + 1) * size)
        const more = (page + 1) * size < group!.members.length
        return json(200, { value: slice.map((m) => ({ PrimarySmtpAddress: m })), ...(more ? { "@odata.nextLink": `https://outlook.office365.com${url.pathname}?page=${page + 1}` } : {}) })
      }
    }
    return json(400, {})
  }
  return { calls, groups, transport }
}

const makeService = (tenant: ReturnType<typeof fakeTenant>, slept: Array<number>) => {
  const client = new SeedClient(
    { authorityHost: "http://127.0.0.1:1", graphBaseUrl: "http://127.0.0.1:1/v1.0", exchangeBaseUrl: "http://127.0.0.1:1", tenantId: "t", clientId: "c", clientSecret: "s" },
    tenant.transport,
    () => 0
  )
  return new SeedService(client, {
    customDomain: "x.example",
    ownersAsMembers: true,
    cacheTtlMs: 900_000,
    now: () => 0,
    sleep: (ms) => {
      slept.push(ms)
      return Promise.resolve()
    }
  })
}

const users = ["o@x.example", "a@x.example", "b@x.example", "c@x.example", "d@x.example"]

describe("the seed's strategy on the wire", () => {
  it("create: one lookup per user, New with owners only, one verify, one add per member (owners included)", async () => {
    const tenant = fakeTenant(users)
    const slept: Array<number> = []
    const out = await makeService(tenant, slept).create("sales", ["o@x.example"], ["a@x.example", "b@x.example"])
    assert.strictEqual(out.status, 201)
    assert.deepStrictEqual(out.body.failedMembers, [])
    assert.deepStrictEqual(tenant.calls, [
      "token", "graph:user", "graph:user", "graph:user",
      "token", "exo:New-DistributionGroup", "exo:Get-DistributionGroup",
      "exo:Add-DistributionGroupMember", "exo:Add-DistributionGroupMember", "exo:Add-DistributionGroupMember"
    ])
    assert.deepStrictEqual(tenant.groups.get("sales@x.example")!.members, ["a@x.example", "b@x.example", "o@x.example"])
  })

  it("create: an unknown user stops before anything is written", async () => {
    const tenant = fakeTenant(users)
    const out = await makeService(tenant, []).create("sales", ["o@x.example"], ["nobody@x.example"])
    assert.strictEqual(out.status, 404)
    assert.strictEqual(tenant.calls.filter((c) => c.startsWith("exo:")).length, 0)
  })

  it("adds retry a 429 after the seed's 2 s wait (Retry-After ignored), and the validation cache spares lookups", async () => {
    const tenant = fakeTenant(users, { throttleFirstAdds: 2 })
    const slept: Array<number> = []
    const service = makeService(tenant, slept)
    await service.create("sales", ["o@x.example"], ["a@x.example"])
    assert.deepStrictEqual(slept, [2000, 2000])
    tenant.calls.length = 0
    const out = await service.addMembers("sales@x.example", ["a@x.example", "c@x.example"])
    assert.strictEqual(out.status, 200)
    assert.deepStrictEqual(out.body.failed, [])
    assert.deepStrictEqual(tenant.calls, ["graph:user", "exo:Get-DistributionGroup", "exo:Add-DistributionGroupMember", "exo:Add-DistributionGroupMember"])
  })

  it("sync: reads the group, owners and every member page, then adds and removes one by one", async () => {
    const tenant = fakeTenant(users, { pageSize: 2 })
    const service = makeService(tenant, [])
    await service.create("sales", ["o@x.example"], ["a@x.example", "b@x.example", "c@x.example"])
    tenant.calls.length = 0
    const out = await service.syncMembers("sales@x.example", ["a@x.example", "d@x.example"])
    assert.strictEqual(out.status, 200)
    assert.deepStrictEqual(tenant.calls, [
      "exo:Get-DistributionGroup", "graph:$batch", "exo:Get-DistributionGroupMember", "exo:Get-DistributionGroupMember",
      "graph:user", "exo:Add-DistributionGroupMember", "exo:Remove-DistributionGroupMember", "exo:Remove-DistributionGroupMember"
    ])
    assert.deepStrictEqual([...tenant.groups.get("sales@x.example")!.members].sort(), ["a@x.example", "d@x.example", "o@x.example"])
  })

  it("get: follows nextLink pages to the complete member list", async () => {
    const tenant = fakeTenant(users, { pageSize: 1 })
    const service = makeService(tenant, [])
    await service.create("sales", ["o@x.example"], ["a@x.example", "b@x.example"])
    const out = await service.get("sales@x.example")
    assert.strictEqual(out.status, 200)
    assert.deepStrictEqual(out.body.owners, ["o@x.example"])
    assert.strictEqual((out.body.members as Array<string>).length, 3)
  })
})

describe("classifyExchangeError", () => {
  it("maps the documented bodies to the seed's exception kinds", () => {
    const body = (message: string) => JSON.stringify({ error: { details: [{ message }] } })
    assert.instanceOf(classifyExchangeError(404, body("Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|x")), UpstreamNotFound)
    assert.instanceOf(classifyExchangeError(400, body("|Microsoft.Exchange.Management.Tasks.MemberAlreadyExistsException|x")), MemberAlreadyPresent)
    assert.instanceOf(classifyExchangeError(429, ""), UpstreamTransient)
    assert.instanceOf(classifyExchangeError(500, body("|x.StorageTransientException|busy")), UpstreamTransient)
  })

  it("keeps a nextLink's path and query on our base URL", () => {
    assert.strictEqual(rebase("https://outlook.office365.com/adminapi/beta/t/InvokeCommand?$skiptoken=1", "http://127.0.0.1:9"), "http://127.0.0.1:9/adminapi/beta/t/InvokeCommand?$skiptoken=1")
    assert.isUndefined(rebase(undefined, "http://127.0.0.1:9"))
  })
})
