import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import fc from "fast-check"
import { addressOf, EmailAddress, emailProblem, isEmail, normalizeEmail, primaryAddress, sameEmail, uniqueEmails } from "../../src/domain/Email.ts"

describe("Email", () => {
  it("accepts ordinary addresses and rejects malformed ones", () => {
    for (const valid of ["ann@contoso.example", "first.last+tag@sub.contoso.co.uk", "o'brien@x-y.example"]) {
      assert.isTrue(isEmail(valid), valid)
    }
    for (const invalid of ["", "ann", "ann@", "@contoso.example", "ann@contoso", "a b@c.example", "a@b@c.example",
      "ann@-contoso.example", "ann@contoso.example.", "UPN:ann@contoso.example", `${"a".repeat(320)}@c.example`]) {
      assert.isFalse(isEmail(invalid), invalid)
    }
  })

  it("refuses what Pydantic's EmailStr refuses besides, with its reason", () => {
    // messages: Pydantic 2.13 EmailStr (email-validator 2.3) on the same addresses
    const refused: ReadonlyArray<readonly [string, string]> = [
      ["a..b@contoso.example", "An email address cannot have two periods in a row."],
      [".adele@contoso.example", "An email address cannot start with a period."],
      ["adele.@contoso.example", "An email address cannot have a period immediately before the @-sign."],
      [`${"a".repeat(64)}@${["d".repeat(63), "d".repeat(63), "d".repeat(63)].join(".")}.com`, "The email address is too long (6 characters too many)."],
      [`x@${"d".repeat(64)}.example`, "After the @-sign, periods cannot be separated by so many characters (1 character too many)."],
      ["a@example.123", "The part after the @-sign is not valid. It is not within a valid top-level domain."],
      ["a@contoso.co1", "The part after the @-sign is not valid. It is not within a valid top-level domain."]
    ]
    for (const [address, reason] of refused) {
      assert.strictEqual(emailProblem(address), `value is not a valid email address: ${reason}`, address)
    }
    for (const unsafe of ["a\u0000@contoso.example", "a\u0001b@contoso.example", "a\u007f@contoso.example",
      "a\u0085@contoso.example", "a\u200b@contoso.example", "a\u202e@contoso.example", "a\ud800@contoso.example"]) {
      assert.strictEqual(emailProblem(unsafe), "value is not a valid email address", JSON.stringify(unsafe))
    }
    for (const valid of [`${"a".repeat(65)}@contoso.example`, `x@${"d".repeat(63)}.example`, "a@123.example", "a@b.c", "a@contoso.c0m"]) {
      assert.isUndefined(emailProblem(valid), valid)
    }
  })

  it("decodes trimmed and rejects malformed input", () => {
    assert.strictEqual(Schema.decodeUnknownSync(EmailAddress)("  ann@contoso.example "), "ann@contoso.example")
    assert.throws(() => Schema.decodeUnknownSync(EmailAddress)("not an address"))
  })

  it("compares case-insensitively and ignores surrounding space", () => {
    assert.strictEqual(normalizeEmail(" Ann@Contoso.Example "), "ann@contoso.example")
    assert.isTrue(sameEmail("ANN@contoso.example", "ann@CONTOSO.example "))
    assert.isFalse(sameEmail("ann@contoso.example", "anne@contoso.example"))
  })

  it("dedupes keeping the first spelling", () => {
    assert.deepStrictEqual(uniqueEmails(["B@x.example", "a@x.example", " b@X.example"]), ["B@x.example", "a@x.example"])
    fc.assert(
      fc.property(fc.array(fc.constantFrom("a@x.io", "A@x.io", "b@x.io", " B@X.IO")), (values) => {
        const unique = uniqueEmails(values)
        assert.strictEqual(new Set(unique.map(normalizeEmail)).size, unique.length)
        assert.deepStrictEqual(new Set(unique.map(normalizeEmail)), new Set(values.map(normalizeEmail)))
      })
    )
  })

  it("builds the primary address", () => {
    assert.strictEqual(primaryAddress("marketing-team", "contoso.example"), "marketing-team@contoso.example")
  })

  it("takes Pydantic's `Name <address>` form, keeping the address (cases checked against pydantic 2.13's regex)", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["Adele <adele.vance@contoso.example>", "adele.vance@contoso.example"],
      ["\"Vance, Adele\" <adele@contoso.example>", "adele@contoso.example"],
      ["  Adele   Vance  <a@b.example>  ", "a@b.example"],
      ["名前 <a@b.example>", "a@b.example"],
      ["<a@b.example>", "a@b.example"],
      // not the form: left as they are, for the address check to refuse
      ["a.b <a@b.example>", "a.b <a@b.example>"],
      ["Ad,ele <a@b.example>", "Ad,ele <a@b.example>"],
      ["Adele <a@b.example> x", "Adele <a@b.example> x"],
      ["Adele <<a@b.example>>", "<a@b.example>"]
    ]
    for (const [input, address] of cases) assert.strictEqual(addressOf(input), address, input)
    const decode = Schema.decodeUnknownSync(EmailAddress)
    assert.strictEqual(decode(" Adele Vance <Adele.Vance@contoso.example> "), "Adele.Vance@contoso.example")
    // past Pydantic's 2,048 characters the form is not looked for (its match is quadratic in the length)
    const long = `"${"x".repeat(2_100)}" <a@b.example>`
    assert.strictEqual(addressOf(long), long)
    assert.strictEqual(addressOf(`"${"x".repeat(2_000)}" <a@b.example>`), "a@b.example")
    assert.throws(() => decode("Adele <<a@b.example>>"))
  })
})
