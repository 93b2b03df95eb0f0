import { assert, describe, it } from "@effect/vitest"
import { type Filter, FilterSyntaxError, matches, parseFilter, type Value } from "../../../src/sandbox/graph/ODataFilter.ts"

const filter = (text: string): Filter => {
  const parsed = parseFilter(text)
  if (parsed instanceof FilterSyntaxError) throw new Error(`unparsable: ${text}`)
  return parsed
}

const user = (values: Record<string, Value>) => (property: string): Value => values[property] ?? null

describe("ODataFilter.matches: eq and in", () => {
  it("compares strings case-insensitively, against every value of the list", () => {
    const byMail = filter("mail in ('A@contoso.example','b@Contoso.example')")
    assert.isTrue(matches(byMail, user({ mail: "a@CONTOSO.example" })))
    assert.isTrue(matches(byMail, user({ mail: "B@contoso.EXAMPLE" })))
    assert.isFalse(matches(byMail, user({ mail: "c@contoso.example" })))
    assert.isFalse(matches(byMail, user({})))
    // the same parsed filter asked again (its list is prepared once) answers the same
    assert.isTrue(matches(byMail, user({ mail: "a@contoso.example" })))
  })

  it("matches null and booleans only by identity, never a string spelled like them", () => {
    assert.isTrue(matches(filter("mail eq null"), user({})))
    assert.isFalse(matches(filter("mail eq null"), user({ mail: "null" })))
    assert.isTrue(matches(filter("accountEnabled in (true)"), user({ accountEnabled: true })))
    assert.isFalse(matches(filter("accountEnabled in (true)"), user({ accountEnabled: "true" })))
    assert.isFalse(matches(filter("accountEnabled eq false"), user({ accountEnabled: true })))
  })

  it("any(): one item of a multi-valued property in the list; a multi-valued property never equals a literal", () => {
    const byProxy = filter("proxyAddresses/any(p:p in ('SMTP:x@contoso.example','smtp:y@contoso.example'))")
    assert.isTrue(matches(byProxy, user({ proxyAddresses: ["smtp:other@contoso.example", "smtp:Y@Contoso.example"] })))
    assert.isFalse(matches(byProxy, user({ proxyAddresses: ["smtp:z@contoso.example"] })))
    assert.isFalse(matches(byProxy, user({ proxyAddresses: "smtp:y@contoso.example" })))
    assert.isFalse(matches(filter("proxyAddresses eq 'smtp:y@contoso.example'"), user({ proxyAddresses: ["smtp:y@contoso.example"] })))
  })
})
