import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { anchorHeader } from "../../../src/adapters/microsoft/ExchangeClient.ts"
import * as ExchangeGroupStore from "../../../src/adapters/microsoft/ExchangeGroupStore.ts"
import { GroupStore, type MemberOutcome } from "../../../src/application/ports/GroupStore.ts"
import { cloudLayer, EXCHANGE, type FakeReply, type FakeRequest, fakeHttp, fakeTokens, TENANT } from "./FakeHttp.ts"

const target = { identity: "sales@contoso.com", anchor: "owner@contoso.com" }

const setup = (handler: (request: FakeRequest) => FakeReply | Effect.Effect<FakeReply>) => {
  const http = fakeHttp((request) => {
    const reply = handler(request)
    return Effect.isEffect(reply) ? reply : Effect.succeed(reply)
  })
  const layer = ExchangeGroupStore.layer.pipe(Layer.provide([http.layer, fakeTokens().layer, cloudLayer]))
  return { requests: http.requests, layer }
}

const ok = (value: ReadonlyArray<unknown> = []): FakeReply => ({
  status: 200,
  body: {
    "@odata.context": `${EXCHANGE}/$metadata#Collection(Exchange.GenericHashTable)`,
    "adminapi.warnings@odata.type": "#Collection(String)",
    "@adminapi.warnings": [],
    value
  }
})

/** An error envelope as documented (spec exchange-admin-rest.md §5.1), with `details[0].message`. */
const cmdletError = (status: number, message: string, code = "BadRequest"): FakeReply => ({
  status,
  body: {
    error: {
      code,
      message: "Error executing cmdlet",
      details: [{ code: "Client", target: "", message }],
      innererror: {
        message: "Error executing cmdlet",
        type: "Microsoft.Exchange.Admin.OData.Core.ODataServiceException",
        stacktrace: "",
        internalexception: { message: "Exception of type 'DirectInvokeCmdletExecutionException' was thrown.", type: "x", stacktrace: "" }
      },
      "adminapi.warnings@odata.type": "#Collection(String)",
      "@adminapi.warnings": []
    }
  }
})

const groupObject = {
  Identity: "Sales",
  Name: "Sales",
  Alias: "sales",
  DisplayName: "Sales team",
  PrimarySmtpAddress: "sales@contoso.com",
  "ManagedBy@odata.type": "#Collection(String)",
  ManagedBy: ["11111111-1111-4111-8111-111111111111"],
  RequireSenderAuthenticationEnabled: false,
  "Guid@data.type": "System.Guid",
  "Guid@odata.type": "#Guid",
  Guid: "9feb45ad-0cc9-43dc-a609-2110e2216c15"
}

const store = GroupStore

// Verbatim or near-verbatim bodies from spec §5.1/§5.2; what each must become.
const errorCases: ReadonlyArray<readonly [string, FakeReply, (error: any) => void]> = [
  [
    "404 Ex6F9304 ManagementObjectNotFoundException → GroupNotFound",
    cmdletError(404, "Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'sales@contoso.com' couldn't be found on 'YQBPR01A12DC007.CANPR01A012.PROD.OUTLOOK.COM'.", "NotFound"),
    (e) => assert.deepStrictEqual([e._tag, e.identity], ["GroupNotFound", "sales@contoso.com"])
  ],
  [
    "Ex94914C → RecipientNotFound with the address",
    cmdletError(400, "Ex94914C|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|Couldn't find object \"new.user@contoso.com\". Please make sure that it was spelled correctly or specify a different object."),
    (e) => assert.deepStrictEqual([e._tag, e.address], ["RecipientNotFound", "new.user@contoso.com"])
  ],
  [
    "Ex9E65A2 (matches multiple entries) → Failed, not a not-found",
    cmdletError(500, "Ex9E65A2|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because 'sales' matches multiple entries."),
    (e) => assert.deepStrictEqual([e._tag, e.reason._tag], ["UpstreamError", "Failed"])
  ],
  [
    "Ex8155FB ManagementObjectAmbiguousException → Failed",
    cmdletError(400, "Ex8155FB|Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException|There are multiple recipients matching the identity \"sales\". Please specify a unique value."),
    (e) => assert.match(e.message, /Ex8155FB/)
  ],
  [
    "ProxyAddressExistsException → GroupAlreadyExists",
    cmdletError(400, "|Microsoft.Exchange.Data.ProxyAddressExistsException|The proxy address \"SMTP:sales@contoso.com\" is already being used by the proxy addresses or LegacyExchangeDN of \"Sales\". Please choose another proxy address."),
    (e) => assert.deepStrictEqual([e._tag, e.detail], ["GroupAlreadyExists", "ProxyAddressExistsException"])
  ],
  [
    "\"The name … is already being used\" → GroupAlreadyExists",
    cmdletError(400, "||The name \"Sales\" is already being used. Please try another name."),
    (e) => assert.strictEqual(e._tag, "GroupAlreadyExists")
  ],
  [
    "429 with a fractional Retry-After → Transient with retryAfterMillis",
    { status: 429, headers: { "Retry-After": "2.5" }, body: "" },
    (e) => assert.deepStrictEqual({ ...e.reason }, { _tag: "Transient", status: 429, retryAfterMillis: 2500 })
  ],
  ["503 → Transient", { status: 503, body: "" }, (e) => assert.deepStrictEqual([e.reason._tag, e.reason.status], ["Transient", 503])],
  ["504 → Transient", { status: 504, body: "" }, (e) => assert.deepStrictEqual([e.reason._tag, e.reason.status], ["Transient", 504])],
  [
    "DCOverloadedException → Transient",
    cmdletError(500, "|Microsoft.Exchange.Data.Directory.DCOverloadedException|The domain controller is overloaded."),
    (e) => assert.strictEqual(e.reason._tag, "Transient")
  ],
  [
    "the plain-text tenant concurrency message → Transient",
    { status: 500, headers: { "content-type": "text/plain" }, body: "You have reached the maximum number of concurrent requests per tenant. Please wait and try again" },
    (e) => assert.strictEqual(e.reason._tag, "Transient")
  ],
  [
    "401 → Forbidden",
    { status: 401, body: { error: { code: "Unauthorized", message: "User is not allowed to call Get-DistributionGroup", innererror: { message: "x", type: "Microsoft.Exchange.Admin.OData.Core.ODataServiceException" } } } },
    (e) => assert.strictEqual(e.reason._tag, "Forbidden")
  ],
  [
    "403 with a body of NUL bytes → Forbidden naming Exchange.ManageAsApp and the Exchange Administrator role",
    { status: 403, headers: { "content-encoding": "identity" }, body: "\u0000".repeat(64) },
    (e) => {
      assert.strictEqual(e.reason._tag, "Forbidden")
      assert.match(e.message, /Exchange\.ManageAsApp.*Exchange Administrator/)
    }
  ],
  [
    "400 AmbiguousParameterSetException (unknown parameter) → Failed with the exception, not the text",
    {
      status: 400,
      body: { error: { code: "BadRequest", message: "Invalid Operation", details: [{ code: "Client", target: "", message: "|Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException|Parameter set cannot be resolved using the specified named parameters. Invalid cmdlet parameters specified. BogusParameter" }], innererror: { message: "Invalid Operation", type: "Microsoft.Exchange.Admin.OData.Core.ODataServiceException", stacktrace: "", internalexception: { message: "Parameter set cannot be resolved… BogusParameter", type: "Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException", stacktrace: "" } } } }
    },
    (e) => {
      assert.strictEqual(e.reason._tag, "Failed")
      assert.strictEqual(e.message, "Get-DistributionGroup: Get-DistributionGroup failed with HTTP 400 (AmbiguousParameterSetException)")
    }
  ],
  [
    "400 without details (ParameterTransformationException in innererror) → Failed",
    {
      status: 400,
      body: { error: { code: "BadRequest", message: "Invalid Operation", innererror: { message: "Invalid Operation", type: "Microsoft.Exchange.Admin.OData.Core.ODataServiceException", stacktrace: "", internalexception: { message: "Cannot process argument transformation on parameter 'QuarantineTypes'.", type: "Microsoft.Exchange.AdminApi.CommandInvocation.ParameterTransformationException", stacktrace: "" } }, "adminapi.warnings@odata.type": "#Collection(String)", "@adminapi.warnings": [] } }
    },
    (e) => assert.match(e.message, /HTTP 400 \(ParameterTransformationException\)$/)
  ],
  [
    "400 expired pagination link → Failed",
    { status: 400, body: { error: { code: "BadRequest", message: "Invalid Operation", innererror: { internalexception: { message: "Expired or Invalid pagination request. Default Expiry time is 00:30:00", type: "System.ArgumentException" } } } } },
    (e) => assert.strictEqual(e.reason._tag, "Failed")
  ]
]

describe("ExchangeGroupStore errors", () => {
  it.effect.each(errorCases)("%s", ([, reply, check]) => {
    const exchange = setup(() => reply)
    return Effect.gen(function*() {
      const error = yield* Effect.flip((yield* store).get(target))
      check(error)
      assert.notInclude(String(error.message), "BogusParameter")
    }).pipe(Effect.provide(exchange.layer))
  })
})

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

const batchSetup = (options: { readonly throttleBatch?: number; readonly groupMissing?: boolean } = {}) => {
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
        status: 429,
        retryAfterMillis: 7000
      })
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
})
