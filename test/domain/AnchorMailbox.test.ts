import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { chooseAnchor } from "../../src/domain/AnchorMailbox.ts"
import { isEmail } from "../../src/domain/Email.ts"

const base = { owners: [] as ReadonlyArray<string>, customDomain: "contoso.example" }

describe("chooseAnchor", () => {
  it("follows the seed's priority", () => {
    const all = {
      header: "hdr@contoso.example",
      adminAnchor: "admin@contoso.example",
      owners: ["owner1@contoso.example", "owner2@contoso.example"],
      dlAddress: "dl@contoso.example",
      customDomain: "contoso.example"
    }
    assert.strictEqual(chooseAnchor(all), "hdr@contoso.example")
    assert.strictEqual(chooseAnchor({ ...all, header: undefined }), "admin@contoso.example")
    assert.strictEqual(chooseAnchor({ ...all, header: undefined, adminAnchor: undefined }), "owner1@contoso.example")
    assert.strictEqual(chooseAnchor({ ...base, dlAddress: "dl@contoso.example" }), "dl@contoso.example")
    assert.strictEqual(chooseAnchor(base), "postmaster@contoso.example")
  })

  it("accepts the prefixed header forms and returns the bare address", () => {
    assert.strictEqual(chooseAnchor({ ...base, header: "UPN:admin@contoso.example" }), "admin@contoso.example")
    assert.strictEqual(chooseAnchor({ ...base, header: " smtp:Dl@Contoso.example " }), "Dl@Contoso.example")
  })

  it("skips blank, malformed and non-address candidates", () => {
    const anchor = chooseAnchor({
      header: "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@1e2f3a4b-0000-4000-8000-000000000000",
      adminAnchor: "   ",
      owners: ["", "not an address", "owner@contoso.example"],
      dlAddress: "dl@contoso.example",
      customDomain: "contoso.example"
    })
    assert.strictEqual(anchor, "owner@contoso.example")
    assert.strictEqual(chooseAnchor({ ...base, header: "MBX:0000@org", dlAddress: "" }), "postmaster@contoso.example")
  })

  it("returns the first valid candidate in priority order, as a valid address", () => {
    const candidateArb = fc.option(
      fc.oneof(
        fc.constantFrom("a@contoso.example", "UPN:b@contoso.example", "SMTP:c@fabrikam.example", "d@x.io"),
        fc.string({ maxLength: 12 })
      ),
      { nil: undefined }
    )
    fc.assert(
      fc.property(
        candidateArb,
        candidateArb,
        fc.array(fc.string({ maxLength: 12 }).map((s) => s.length % 2 === 0 ? `${s}@o.example` : s), { maxLength: 4 }),
        candidateArb,
        (header, adminAnchor, owners, dlAddress) => {
          const anchor = chooseAnchor({ header, adminAnchor, owners, dlAddress, customDomain: "contoso.example" })
          assert.isTrue(isEmail(anchor))
          assert.notMatch(anchor, /^(?:UPN|SMTP):/i)
          const bare = (value: string | undefined) => value?.trim().replace(/^(?:UPN|SMTP):/i, "").trim()
          const expected = [header, adminAnchor, ...owners, dlAddress].map(bare).find((c) => c !== undefined && isEmail(c))
          assert.strictEqual(anchor, expected ?? "postmaster@contoso.example")
        }
      ),
      { numRuns: 500 }
    )
  })
})
