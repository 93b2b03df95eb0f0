import { assert, describe, it } from "@effect/vitest"
import * as Cmdlets from "../../../src/adapters/exchange/Cmdlets.ts"
import { classify } from "../../../src/adapters/exchange/CommandErrors.ts"
import * as PortMapping from "../../../src/adapters/exchange/PortMapping.ts"
import { memberOutcome } from "../../../src/adapters/exchange/PortMapping.ts"
import { failure } from "../../../src/sandbox/exchange/Envelope.ts"
import * as Errors from "../../../src/sandbox/exchange/ExchangeError.ts"

describe("exchange/Cmdlets", () => {
  it("Set-DistributionGroup: only what changes, owners as a GenericHashTable delta, nothing when empty", () => {
    assert.strictEqual(Cmdlets.setGroup("sales", {}), undefined)
    assert.strictEqual(Cmdlets.setGroup("sales", { managedBy: { add: [], remove: [] } }), undefined)
    assert.deepStrictEqual(Cmdlets.setGroup("sales", { displayName: "Sales", managedBy: { add: ["a@x"], remove: [] } }), {
      cmdlet: "Set-DistributionGroup",
      parameters: {
        Identity: "sales",
        DisplayName: "Sales",
        ManagedBy: { "@odata.type": "#Exchange.GenericHashTable", Add: ["a@x"] },
        BypassSecurityGroupManagerCheck: true
      }
    })
  })

  it("New-DistributionGroup sends Members only when there are some", () => {
    const group = {
      name: "Sales", alias: "sales", displayName: "Sales", primarySmtpAddress: "sales@x", managedBy: ["a@x"],
      members: [], requireSenderAuthenticationEnabled: true, anchor: "a@x"
    }
    assert.isFalse("Members" in Cmdlets.newGroup(group).parameters)
    assert.deepStrictEqual(Cmdlets.newGroup({ ...group, members: ["b@x"] }).parameters["Members"], ["b@x"])
  })

  it("member removals confirm, additions do not", () => {
    assert.isFalse("Confirm" in Cmdlets.addMember.command("sales", "b@x").parameters)
    assert.strictEqual(Cmdlets.removeMember.command("sales", "b@x").parameters["Confirm"], false)
  })

  // The sandbox's error bodies, read as the Microsoft adapter reads them off the wire.
  it("sandbox errors classify into the kinds the adapters act on", () => {
    const kind = (error: Errors.ExchangeError) => {
      const body = failure(error)
      return classify({ cmdlet: "X", status: error.httpStatus, body, rawText: JSON.stringify(body), exceptionHeader: undefined })
        .kind
    }
    assert.deepStrictEqual(
      [
        kind(Errors.groupNotFound("sales")),
        kind(Errors.recipientNotFound("b@x")),
        kind(Errors.groupAmbiguous("sales")),
        kind(Errors.recipientAmbiguous("sales")),
        kind(Errors.memberAlreadyExists("b@x", "sales")),
        kind(Errors.memberNotFound("b@x", "sales")),
        kind(Errors.nameInUse("Sales"))
      ],
      ["GroupNotFound", "RecipientNotFound", "Ambiguous", "Ambiguous", "AlreadyMember", "NotMember", "AlreadyExists"]
    )
  })

  it("a member result: Ok is Applied, the unchanged kind is Unchanged, a missing recipient is Rejected", () => {
    const error = (e: Errors.ExchangeError) => {
      const body = failure(e)
      return { _tag: "Error" as const, error: classify({ cmdlet: "Add-DistributionGroupMember", status: e.httpStatus, body, rawText: "", exceptionHeader: undefined }) }
    }
    assert.strictEqual(memberOutcome({ _tag: "Ok", value: [] }, "b@x", "AlreadyMember", "sales")._tag, "Applied")
    assert.strictEqual(memberOutcome(error(Errors.memberAlreadyExists("b@x", "sales")), "b@x", "AlreadyMember", "sales")._tag, "Unchanged")
    const rejected = memberOutcome(error(Errors.recipientNotFound("b@x")), "b@x", "AlreadyMember", "sales")
    assert.deepStrictEqual(rejected._tag === "Rejected" ? [rejected.error._tag] : [], ["RecipientNotFound"])
  })
})

describe("PortMapping.toDistributionList", () => {
  it("keeps owner ids lower-case, as the Graph adapter does, so owner diffs compare like with like", () => {
    const dl = PortMapping.toDistributionList({
      Name: "sales",
      PrimarySmtpAddress: "sales@contoso.example",
      ManagedBy: ["6E6E6E6E-0000-4000-8000-0000000000AB"]
    } as Parameters<typeof PortMapping.toDistributionList>[0])
    assert.deepStrictEqual(dl.ownerIds, ["6e6e6e6e-0000-4000-8000-0000000000ab"])
  })
})
