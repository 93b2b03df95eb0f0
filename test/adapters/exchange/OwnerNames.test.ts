import { assert, describe, it } from "@effect/vitest"
import { ExchangeCommandError } from "../../../src/adapters/exchange/CommandErrors.ts"
import { legacyOwnerNames, lookups, withOwnerIds } from "../../../src/adapters/exchange/OwnerNames.ts"
import type { DistributionList } from "../../../src/domain/DistributionList.ts"

const newStyle = "7cdbe897-3c7f-4fb6-a369-56408d68081f"
const dl = (ownerIds: ReadonlyArray<string>): DistributionList => ({
  identity: "9feb45ad-0cc9-43dc-a609-2110e2216c15",
  name: "sales",
  alias: "sales",
  displayName: "Sales",
  primarySmtpAddress: "sales@contoso.example",
  ownerIds,
  requireSenderAuthenticationEnabled: true
})

describe("OwnerNames", () => {
  it("only legacy names (not GUIDs) are looked up, once each, one Get-Recipient by Identity per name", () => {
    const list = dl([newStyle, "CBergin", "Smith, Pat", "CBergin"])
    assert.deepStrictEqual(legacyOwnerNames(list), ["CBergin", "Smith, Pat"])
    assert.deepStrictEqual(lookups(["CBergin"]), [{ cmdlet: "Get-Recipient", parameters: { Identity: "CBergin" } }])
    assert.deepStrictEqual(legacyOwnerNames(dl([newStyle])), [])
  })

  it("replaces each name by the object id its lookup found; a name not found stays as it is", () => {
    const list = dl(["CBergin", newStyle, "Gone"])
    const notFound = new ExchangeCommandError({ cmdlet: "Get-Recipient", status: 404, kind: "RecipientNotFound", errorId: "", exceptionType: "" })
    const resolved = withOwnerIds(list, ["CBergin", "Gone"], [
      { _tag: "Ok", value: [{ Name: "CBergin", ExternalDirectoryObjectId: "2700871C-B807-4DC1-9887-1D1C93ECD5B5" }] },
      { _tag: "Error", error: notFound }
    ])
    assert.deepStrictEqual(resolved.ownerIds, ["2700871c-b807-4dc1-9887-1d1c93ecd5b5", newStyle, "Gone"])
  })

  it("an answer that names no single recipient with an object id resolves nothing; an owner named twice stays once", () => {
    const list = dl(["A", "B", newStyle])
    const resolved = withOwnerIds(list, ["A", "B"], [
      { _tag: "Ok", value: [] },
      { _tag: "Ok", value: [{ ExternalDirectoryObjectId: newStyle.toUpperCase() }] }
    ])
    assert.deepStrictEqual(resolved.ownerIds, ["A", newStyle])
  })
})
