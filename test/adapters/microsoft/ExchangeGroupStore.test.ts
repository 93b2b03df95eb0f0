import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { anchorHeader } from "../../../src/adapters/microsoft/ExchangeClient.ts"
import * as ExchangeGroupStore from "../../../src/adapters/microsoft/ExchangeGroupStore.ts"
import { GroupStore, type MemberOutcome, PageCursorInvalid, type RetryPage } from "../../../src/application/ports/GroupStore.ts"
import { cmdletError, groupObject, ok, setup, target } from "./FakeExchange.ts"
import { EXCHANGE, TENANT } from "./FakeHttp.ts"

const store = GroupStore

describe("ExchangeGroupStore requests", () => {
  it.effect("Get-DistributionGroup: URL, headers and body as documented; identity is the Guid", () => {
    const exchange = setup(() => ok([groupObject]))
    return Effect.gen(function*() {
      const group = yield* (yield* store).get(target)
      assert.deepStrictEqual(group, {
        identity: "9feb45ad-0cc9-43dc-a609-2110e2216c15",
        name: "Sales",
        alias: "sales",
        displayName: "Sales team",
        primarySmtpAddress: "sales@contoso.com",
        ownerIds: ["11111111-1111-4111-8111-111111111111"],
        requireSenderAuthenticationEnabled: false
      })
      const [request] = exchange.requests
      assert.strictEqual(request!.url, `${EXCHANGE}/InvokeCommand`)
      assert.strictEqual(request!.method, "POST")
      assert.strictEqual(request!.headers["authorization"], "Bearer token-for-exchange")
      assert.strictEqual(request!.headers["x-anchormailbox"], "SMTP:owner@contoso.com")
      assert.strictEqual(request!.headers["x-cmdletname"], "Get-DistributionGroup")
      assert.match(request!.headers["content-type"]!, /^application\/json/)
      assert.deepStrictEqual(request!.json, {
        CmdletInput: { CmdletName: "Get-DistributionGroup", Parameters: { Identity: "sales@contoso.com" } }
      })
    }).pipe(Effect.provide(exchange.layer))
  })

  it.effect("a Get that lists several groups (an identity they share) is GroupAmbiguous, never the first of them", () => {
    const exchange = setup(() => ok([groupObject, { ...groupObject, Guid: "0a0a0a0a-0b0b-4c0c-8d0d-0e0e0e0e0e0e", Name: "Sales 2" }]))
    return Effect.gen(function*() {
      const error = yield* Effect.flip((yield* store).get(target))
      assert.deepStrictEqual([error._tag, "identity" in error ? error.identity : undefined], ["GroupAmbiguous", target.identity])
    }).pipe(Effect.provide(exchange.layer))
  })

  it.effect("create sends New-DistributionGroup with owners and members in one call", () => {
    const exchange = setup(() => ok([groupObject]))
    return Effect.gen(function*() {
      const created = yield* (yield* store).create({
        name: "Sales",
        alias: "sales",
        displayName: "Sales team",
        primarySmtpAddress: "sales@contoso.com",
        managedBy: ["owner@contoso.com"],
        members: ["a@contoso.com", "b@contoso.com"],
        requireSenderAuthenticationEnabled: true,
        anchor: "owner@contoso.com"
      })
      assert.strictEqual(created.identity, groupObject.Guid)
      assert.deepStrictEqual(exchange.requests[0]!.json.CmdletInput, {
        CmdletName: "New-DistributionGroup",
        Parameters: {
          Name: "Sales",
          Alias: "sales",
          DisplayName: "Sales team",
          PrimarySmtpAddress: "sales@contoso.com",
          Type: "Distribution",
          ManagedBy: ["owner@contoso.com"],
          Members: ["a@contoso.com", "b@contoso.com"],
          RequireSenderAuthenticationEnabled: true
        }
      })
    }).pipe(Effect.provide(exchange.layer))
  })

  it.effect("a create whose output is empty reads the group back (or describes it from the request while invisible)", () => {
    let gets = 0
    const exchange = setup((request) =>
      request.json.CmdletInput.CmdletName === "New-DistributionGroup"
        ? ok([])
        : ++gets === 1
        ? ok([groupObject])
        : cmdletError(404, "Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'sales@contoso.com' couldn't be found on 'DC1'.", "NotFound")
    )
    const spec = {
      name: "Sales",
      alias: "sales",
      displayName: "Sales team",
      primarySmtpAddress: "sales@contoso.com",
      managedBy: ["owner@contoso.com"],
      members: [],
      requireSenderAuthenticationEnabled: true,
      anchor: "owner@contoso.com"
    }
    return Effect.gen(function*() {
      const groups = yield* store
      assert.strictEqual((yield* groups.create(spec)).identity, groupObject.Guid)
      const invisible = yield* groups.create(spec)
      assert.strictEqual(invisible.identity, "sales@contoso.com")
      assert.deepStrictEqual(invisible.ownerIds, [])
      assert.notProperty(exchange.requests[0]!.json.CmdletInput.Parameters, "Members")
    }).pipe(Effect.provide(exchange.layer))
  })

  it.effect("update sends ManagedBy as a GenericHashTable delta, with the manager-check bypass; no change, no call", () => {
    const exchange = setup(() => ok())
    return Effect.gen(function*() {
      const groups = yield* store
      yield* groups.update(target, {})
      assert.strictEqual(exchange.requests.length, 0)
      yield* groups.update(target, { displayName: "Sales!", managedBy: { add: ["new@contoso.com"], remove: [] } })
      assert.deepStrictEqual(exchange.requests[0]!.json.CmdletInput.Parameters, {
        Identity: "sales@contoso.com",
        DisplayName: "Sales!",
        ManagedBy: { "@odata.type": "#Exchange.GenericHashTable", Add: ["new@contoso.com"] },
        BypassSecurityGroupManagerCheck: true
      })
    }).pipe(Effect.provide(exchange.layer))
  })

  it.effect("remove and replaceMembers confirm without prompting and bypass the manager check", () => {
    const exchange = setup(() => ok())
    return Effect.gen(function*() {
      const groups = yield* store
      yield* groups.remove(target)
      yield* groups.replaceMembers(target, ["a@contoso.com"])
      assert.deepStrictEqual(exchange.requests.map((r) => r.json.CmdletInput), [
        {
          CmdletName: "Remove-DistributionGroup",
          Parameters: { Identity: "sales@contoso.com", BypassSecurityGroupManagerCheck: true, Confirm: false }
        },
        {
          CmdletName: "Update-DistributionGroupMember",
          Parameters: { Identity: "sales@contoso.com", Members: ["a@contoso.com"], BypassSecurityGroupManagerCheck: true, Confirm: false }
        }
      ])
    }).pipe(Effect.provide(exchange.layer))
  })

  it.effect("listMembers pages by re-POSTing the same body and headers to @odata.nextLink", () => {
    const members = Array.from({ length: 1500 }, (_, i) => ({ Identity: `m${i}`, PrimarySmtpAddress: `m${i}@contoso.com` }))
    const next = `${EXCHANGE}/InvokeCommand?$skiptoken=page2`
    const exchange = setup((request) =>
      request.url === next
        ? ok(members.slice(1000))
        : { status: 200, body: { ...(ok(members.slice(0, 1000)).body as object), "@odata.nextLink": next } }
    )
    return Effect.gen(function*() {
      const addresses = yield* (yield* store).listMembers(target)
      assert.strictEqual(addresses.length, 1500)
      assert.strictEqual(addresses[1499], "m1499@contoso.com")
      const [first, second] = exchange.requests
      assert.strictEqual(second!.url, next)
      assert.strictEqual(second!.method, "POST")
      assert.deepStrictEqual(second!.json, first!.json)
      assert.deepStrictEqual(first!.json.CmdletInput.Parameters, { Identity: "sales@contoso.com", ResultSize: "Unlimited" })
      assert.strictEqual(first!.headers["prefer"], "odata.maxpagesize=1000")
      assert.strictEqual(second!.headers["prefer"], "odata.maxpagesize=1000")
      assert.strictEqual(second!.headers["x-anchormailbox"], first!.headers["x-anchormailbox"])
      // Only the address is asked for (spec §1.1 `$select`); the nextLink carries its own query.
      assert.strictEqual(first!.url, `${EXCHANGE}/InvokeCommand?$select=PrimarySmtpAddress`)
    }).pipe(Effect.provide(exchange.layer))
  })

  it.effect("listMembers hands each page to retryPage: a throttled page is asked again alone, not the walk", () => {
    const members = Array.from({ length: 2500 }, (_, i) => ({ PrimarySmtpAddress: `m${i}@contoso.com` }))
    const page2 = `${EXCHANGE}/InvokeCommand?$skiptoken=page2`
    const page3 = `${EXCHANGE}/InvokeCommand?$skiptoken=page3`
    let throttled = false
    const exchange = setup((request) => {
      if (request.url === page2 && !throttled) {
        throttled = true
        return { status: 429, headers: { "Retry-After": "1" }, body: "" }
      }
      return request.url === page3
        ? ok(members.slice(2000))
        : request.url === page2
        ? { status: 200, body: { ...(ok(members.slice(1000, 2000)).body as object), "@odata.nextLink": page3 } }
        : { status: 200, body: { ...(ok(members.slice(0, 1000)).body as object), "@odata.nextLink": page2 } }
    })
    return Effect.gen(function*() {
      const once: RetryPage = (page) => Effect.retry(page, { times: 1 })
      const addresses = yield* (yield* store).listMembers(target, once)
      assert.strictEqual(addresses.length, 2500)
      assert.deepStrictEqual(exchange.requests.map((r) => r.url.slice(r.url.lastIndexOf("=") + 1)), [
        "PrimarySmtpAddress",
        "page2",
        "page2",
        "page3"
      ])
    }).pipe(Effect.provide(exchange.layer))
  })

  it.effect("listMembers skips objects without an address (a member without SMTP address)", () => {
    const exchange = setup(() => ok([{ PrimarySmtpAddress: "a@contoso.com" }, { PrimarySmtpAddress: null }, {}, 42]))
    return Effect.gen(function*() {
      assert.deepStrictEqual(yield* (yield* store).listMembers(target), ["a@contoso.com"])
    }).pipe(Effect.provide(exchange.layer))
  })

  it.effect("a nextLink to another host is refused (the bearer token would go with it)", () => {
    const exchange = setup(() => ({ status: 200, body: { value: [], "@odata.nextLink": "https://evil.example.com/next" } }))
    return Effect.gen(function*() {
      const error = yield* Effect.flip((yield* store).listMembers(target))
      assert.strictEqual(error._tag === "UpstreamError" && error.reason._tag, "Failed")
      assert.strictEqual(exchange.requests.length, 1)
    }).pipe(Effect.provide(exchange.layer))
  })

  it.effect("listMembersPage: one POST per page with the asked size; the next re-POSTs the same body to the nextLink", () => {
    const next = `${EXCHANGE}/InvokeCommand?$select=PrimarySmtpAddress&$skiptoken=page2`
    const exchange = setup((request) =>
      request.url === next
        ? ok([{ PrimarySmtpAddress: "c@contoso.com" }])
        : {
          status: 200,
          body: { ...(ok([{ PrimarySmtpAddress: "a@contoso.com" }, { PrimarySmtpAddress: "b@contoso.com" }]).body as object), "@odata.nextLink": next }
        }
    )
    return Effect.gen(function*() {
      const first = yield* (yield* store).listMembersPage(target, { size: 2 })
      assert.deepStrictEqual(first, { members: ["a@contoso.com", "b@contoso.com"], next })
      assert.strictEqual(exchange.requests.length, 1)
      const second = yield* (yield* store).listMembersPage(target, { size: 2, cursor: first.next })
      assert.deepStrictEqual(second, { members: ["c@contoso.com"], next: undefined })
      const [one, two] = exchange.requests
      assert.strictEqual(one!.url, `${EXCHANGE}/InvokeCommand?$select=PrimarySmtpAddress`)
      assert.deepStrictEqual([two!.method, two!.url], ["POST", next])
      assert.deepStrictEqual(two!.json, one!.json)
      assert.deepStrictEqual([one!.headers["prefer"], two!.headers["prefer"]], ["odata.maxpagesize=2", "odata.maxpagesize=2"])
      assert.strictEqual(two!.headers["x-anchormailbox"], one!.headers["x-anchormailbox"])
      assert.match(two!.headers["authorization"] ?? "", /^Bearer /)
    }).pipe(Effect.provide(exchange.layer))
  })

  it.effect("listMembersPage sends nothing for a cursor that is not Exchange's InvokeCommand", () => {
    const exchange = setup(() => ok([]))
    return Effect.gen(function*() {
      for (
        const cursor of [
          "https://evil.example.com/adminapi/beta/t/InvokeCommand",
          "https://outlook.office365.com.evil.example/adminapi/beta/t/InvokeCommand",
          "http://outlook.office365.com/adminapi/beta/t/InvokeCommand".replace("http:", "ftp:"),
          "https://user:pw@outlook.office365.com/adminapi/beta/t/InvokeCommand",
          "https://outlook.office365.com/adminapi/beta/t/$batch",
          "https://outlook.office365.com/v1.0/users",
          "/adminapi/beta/t/InvokeCommand",
          "not a url",
          // an encoded segment, a fragment, a port on a subdomain
          "https://outlook.office365.com/adminapi/beta/t%2F..%2Fx/InvokeCommand",
          "https://outlook.office365.com/adminapi/beta/t/InvokeCommand#x",
          "https://eu.outlook.office365.com:8443/adminapi/beta/t/InvokeCommand"
        ]
      ) {
        const error = yield* Effect.flip((yield* store).listMembersPage(target, { size: 10, cursor }))
        assert.deepStrictEqual(error, new PageCursorInvalid({ reason: "Unrecognized" }), cursor)
      }
      assert.strictEqual(exchange.requests.length, 0)
    }).pipe(Effect.provide(exchange.layer))
  })

  it.effect("listMembersPage: Exchange's 'Expired or Invalid pagination request' is PageCursorInvalid(Expired)", () => {
    const exchange = setup(() => ({
      status: 400,
      body: {
        error: {
          code: "BadRequest",
          message: "Invalid Operation",
          innererror: {
            message: "Expired or Invalid pagination request. Default Expiry time is 00:30:00",
            type: "Microsoft.Exchange.Admin.OData.Core.ODataServiceException",
            internalexception: {
              message: "Expired or Invalid pagination request. Default Expiry time is 00:30:00",
              type: "Microsoft.Exchange.Admin.OData.Core.ODataServiceException"
            }
          }
        }
      }
    }))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(
        (yield* store).listMembersPage(target, { size: 10, cursor: `${EXCHANGE}/InvokeCommand?$skiptoken=old` })
      )
      assert.deepStrictEqual(error, new PageCursorInvalid({ reason: "Expired" }))
      assert.strictEqual(exchange.requests.length, 1)
    }).pipe(Effect.provide(exchange.layer))
  })

  const expired = {
    status: 400,
    body: { error: { code: "BadRequest", message: "Expired or Invalid pagination request. Default Expiry time is 00:30:00" } }
  }

  it.effect("listMembers: a next page link that expired under the walk starts it again once from page 1", () => {
    const page2 = `${EXCHANGE}/InvokeCommand?$skiptoken=page2`
    let expiredOnce = false
    const exchange = setup((request) => {
      if (request.url !== page2) return { status: 200, body: { ...(ok([{ PrimarySmtpAddress: "a@contoso.com" }]).body as object), "@odata.nextLink": page2 } }
      if (!expiredOnce) {
        expiredOnce = true
        return expired
      }
      return ok([{ PrimarySmtpAddress: "b@contoso.com" }])
    })
    return Effect.gen(function*() {
      assert.deepStrictEqual(yield* (yield* store).listMembers(target), ["a@contoso.com", "b@contoso.com"])
      assert.strictEqual(exchange.requests.length, 4)
    }).pipe(Effect.provide(exchange.layer))
  })

  it.effect("listMembers: a link that keeps expiring, or the same link twice, fails the walk at once", () => {
    const page2 = `${EXCHANGE}/InvokeCommand?$skiptoken=page2`
    const expiring = setup((request) =>
      request.url === page2 ? expired : { status: 200, body: { ...(ok([]).body as object), "@odata.nextLink": page2 } }
    )
    const circling = setup(() => ({ status: 200, body: { ...(ok([]).body as object), "@odata.nextLink": page2 } }))
    return Effect.gen(function*() {
      const walk = Effect.gen(function*() {
        return yield* Effect.flip((yield* store).listMembers(target))
      })
      const first = yield* walk.pipe(Effect.provide(expiring.layer))
      assert.strictEqual(first._tag, "UpstreamError")
      assert.strictEqual(expiring.requests.length, 4)
      const second = yield* walk.pipe(Effect.provide(circling.layer))
      assert.include(second.message, "same next page link")
      assert.strictEqual(circling.requests.length, 2)
    })
  })
})

/** Answers each `$batch` item by its Member: `dup` is already a member, `ghost` unknown, `gone` not a member. */
const memberReply = (member: string, cmdlet: string): Record<string, unknown> => {
  if (member.startsWith("dup")) {
    return { ...cmdletError(400, `|Microsoft.Exchange.Management.Tasks.MemberAlreadyExistsException|The recipient "${member}" is already a member of the group "sales".`) }
  }
  if (member.startsWith("gone")) {
    return { ...cmdletError(400, `|Microsoft.Exchange.Management.Tasks.MemberNotFoundException|The recipient "${member}" isn't a member of the group "sales".`) }
  }
  if (member.startsWith("ghost")) {
    return { ...cmdletError(404, `Ex94914C|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|Couldn't find object "${member}". Please make sure that it was spelled correctly or specify a different object.`) }
  }
  if (member.startsWith("nostatus")) return { body: ok().body }
  return { status: 200, body: ok().body, headers: { "Cmdlet-Name": cmdlet } }
}

const batchSetup = (
  options: {
    readonly throttleBatch?: number
    readonly refuseBatch?: number | "every"
    readonly groupMissing?: boolean
  } = {}
) => {
  let inFlight = 0
  let maxInFlight = 0
  let batchNo = 0
  const exchange = setup((request) =>
    Effect.gen(function*() {
      assert.strictEqual(request.url, `${EXCHANGE}/$batch`)
      const n = ++batchNo
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      for (let i = 0; i < 5; i++) yield* Effect.yieldNow
      inFlight--
      if (n === options.throttleBatch) return { status: 429, headers: { "Retry-After": "7" }, body: "" }
      if (n === options.refuseBatch || options.refuseBatch === "every") return { status: 403, body: "" }
      return {
        status: 200,
        body: {
          responses: request.json.requests.map((item: any) => ({
            id: item.id,
            ...(options.groupMissing
              ? { ...cmdletError(404, "Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'sales@contoso.com' couldn't be found on 'DC1'.") }
              : memberReply(item.body.CmdletInput.Parameters.Member, item.body.CmdletInput.CmdletName))
          })).reverse()
        }
      }
    })
  )
  return { ...exchange, maxInFlight: () => maxInFlight }
}

const tags = (outcomes: ReadonlyArray<MemberOutcome>) =>
  Object.fromEntries(outcomes.map((o) => [o.address, o._tag === "Rejected" ? `Rejected:${o.error._tag}` : o._tag]))

describe("ExchangeGroupStore member changes over $batch", () => {
  it.effect("25 adds go as 3 $batch requests of ≤ 10 cmdlets; each member gets its own outcome", () => {
    const exchange = batchSetup()
    const addresses = ["dup@contoso.com", "ghost@contoso.com", "nostatus@contoso.com", ...Array.from({ length: 22 }, (_, i) => `m${i}@contoso.com`)]
    return Effect.gen(function*() {
      const outcomes = yield* (yield* store).addMembers(target, addresses)
      assert.deepStrictEqual(exchange.requests.map((r) => r.json.requests.length), [10, 10, 5])
      assert.deepStrictEqual(outcomes.map((o) => o.address), addresses)
      const byAddress = tags(outcomes)
      assert.strictEqual(byAddress["dup@contoso.com"], "Unchanged")
      assert.strictEqual(byAddress["ghost@contoso.com"], "Rejected:RecipientNotFound")
      assert.strictEqual(byAddress["nostatus@contoso.com"], "Applied")
      assert.strictEqual(byAddress["m0@contoso.com"], "Applied")
      const ghost = outcomes[1]!
      assert.strictEqual(ghost._tag === "Rejected" && ghost.error._tag === "RecipientNotFound" && ghost.error.address, "ghost@contoso.com")
      const item = exchange.requests[0]!.json.requests[0]
      assert.deepStrictEqual(item, {
        id: "1",
        method: "POST",
        url: `${EXCHANGE}/InvokeCommand`,
        headers: { "Content-Type": "application/json", "X-CmdletName": "Add-DistributionGroupMember", "X-AnchorMailbox": "SMTP:owner@contoso.com" },
        body: {
          CmdletInput: {
            CmdletName: "Add-DistributionGroupMember",
            Parameters: { Identity: "sales@contoso.com", Member: "dup@contoso.com", BypassSecurityGroupManagerCheck: true }
          }
        }
      })
    }).pipe(Effect.provide(exchange.layer))
  })

  it.effect("removals: 'not a member' is Unchanged, and Confirm is false", () => {
    const exchange = batchSetup()
    return Effect.gen(function*() {
      const outcomes = yield* (yield* store).removeMembers(target, ["gone@contoso.com", "m1@contoso.com"])
      assert.deepStrictEqual(tags(outcomes), { "gone@contoso.com": "Unchanged", "m1@contoso.com": "Applied" })
      assert.deepStrictEqual(exchange.requests[0]!.json.requests[1].body.CmdletInput.Parameters, {
        Identity: "sales@contoso.com",
        Member: "m1@contoso.com",
        BypassSecurityGroupManagerCheck: true,
        Confirm: false
      })
    }).pipe(Effect.provide(exchange.layer))
  })

  it.effect("a throttled $batch rejects only its own members, Transient with Retry-After; no retry in the adapter", () => {
    const exchange = batchSetup({ throttleBatch: 2 })
    const addresses = Array.from({ length: 25 }, (_, i) => `m${i}@contoso.com`)
    return Effect.gen(function*() {
      const outcomes = yield* (yield* store).addMembers(target, addresses)
      assert.strictEqual(exchange.requests.length, 3)
      const rejected = outcomes.filter((o) => o._tag === "Rejected")
      assert.deepStrictEqual(rejected.map((o) => o.address), addresses.slice(10, 20))
      const error = rejected[0]!._tag === "Rejected" ? rejected[0]!.error : undefined
      assert.deepStrictEqual<unknown>(error?._tag === "UpstreamError" ? { ...error.reason } : undefined, {
        _tag: "Transient",
        throttled: true,
        status: 429,
        retryAfterMillis: 7000
      })
    }).pipe(Effect.provide(exchange.layer))
  })

  it.effect("a $batch refused as a whole rejects its own members; the other batches' outcomes are kept", () => {
    const exchange = batchSetup({ refuseBatch: 2 })
    const addresses = Array.from({ length: 25 }, (_, i) => `m${i}@contoso.com`)
    return Effect.gen(function*() {
      const outcomes = yield* (yield* store).addMembers(target, addresses)
      assert.strictEqual(exchange.requests.length, 3)
      const byAddress = tags(outcomes)
      assert.deepStrictEqual(
        addresses.filter((a) => byAddress[a] !== "Applied"),
        addresses.slice(10, 20)
      )
      assert.strictEqual(byAddress["m10@contoso.com"], "Rejected:UpstreamError")
    }).pipe(Effect.provide(exchange.layer))
  })

  it.effect("when every $batch is refused, the whole call fails", () => {
    const exchange = batchSetup({ refuseBatch: "every" })
    return Effect.gen(function*() {
      const error = yield* Effect.flip((yield* store).addMembers(target, Array.from({ length: 25 }, (_, i) => `m${i}@contoso.com`)))
      assert.strictEqual(exchange.requests.length, 3)
      assert.strictEqual(error._tag, "UpstreamError")
    }).pipe(Effect.provide(exchange.layer))
  })

  it.effect("when every member reports the group missing, the whole call fails GroupNotFound", () => {
    const exchange = batchSetup({ groupMissing: true })
    return Effect.gen(function*() {
      const error = yield* Effect.flip((yield* store).addMembers(target, ["a@contoso.com", "b@contoso.com"]))
      assert.strictEqual(error._tag, "GroupNotFound")
    }).pipe(Effect.provide(exchange.layer))
  })

  it.effect(`at most ${ExchangeGroupStore.BATCH_CONCURRENCY} $batch requests are in flight`, () => {
    const exchange = batchSetup()
    return Effect.gen(function*() {
      yield* (yield* store).addMembers(target, Array.from({ length: 200 }, (_, i) => `m${i}@contoso.com`))
      assert.strictEqual(exchange.requests.length, 20)
      assert.strictEqual(exchange.maxInFlight(), ExchangeGroupStore.BATCH_CONCURRENCY)
    }).pipe(Effect.provide(exchange.layer))
  })
})

describe("X-AnchorMailbox", () => {
  it("bare addresses become SMTP:, prefixed values pass through, the system mailbox uses APP:", () => {
    assert.strictEqual(anchorHeader("owner@contoso.com", TENANT), "SMTP:owner@contoso.com")
    assert.strictEqual(anchorHeader("UPN:admin@contoso.com", TENANT), "UPN:admin@contoso.com")
    assert.strictEqual(
      anchorHeader("SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@contoso.onmicrosoft.com", TENANT),
      "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@contoso.onmicrosoft.com"
    )
    assert.strictEqual(anchorHeader(" ", TENANT), `APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@${TENANT}`)
  })

  it("an address a header cannot carry (non-ASCII, NUL, inner space) anchors app-only instead of failing the call", () => {
    const app = `APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@${TENANT}`
    for (const address of ["日本@contoso.com", "δημήτρης@contoso.com", "café@contoso.com", "\u0000@contoso.com", "a b@contoso.com"]) {
      assert.strictEqual(anchorHeader(address, TENANT), app, address)
      assert.doesNotThrow(() => new Headers({ "x-anchormailbox": anchorHeader(address, TENANT) }))
    }
  })
})
