import { assert, describe, it } from "@effect/vitest"
import * as Q from "../../../src/adapters/microsoft/GraphQueries.ts"

describe("GraphQueries.readUsers", () => {
  it("reads a user list (nullable and absent fields, proxy addresses)", () => {
    const users = [
      { id: "1", userPrincipalName: "a@x.example", mail: null, displayName: "A" },
      { id: "2", proxyAddresses: ["SMTP:b@x.example"], "@odata.type": "#microsoft.graph.user", extra: 1 }
    ]
    assert.deepStrictEqual(Q.readUsers({ value: users }), users)
    assert.deepStrictEqual(Q.readUsers({ value: [] }), [])
  })

  it("refuses anything that is not a list of users", () => {
    for (
      const body of [undefined, null, "x", {}, { value: {} }, { value: [null] }, { value: [{ mail: "a@x.example" }] },
        { value: [{ id: 1 }] }, { value: [{ id: "1", mail: 2 }] }, { value: [{ id: "1", proxyAddresses: [3] }] },
        { value: [{ id: "1", proxyAddresses: "smtp:a@x" }] }]
    ) assert.isUndefined(Q.readUsers(body), JSON.stringify(body))
  })
})

describe("GraphQueries.packedUserFilterUrls", () => {
  it("packs addresses up to 2,048 characters of absolute URL, each in exactly one request, in order", () => {
    const base = "https://graph.microsoft.com/v1.0"
    const addresses = Array.from({ length: 500 }, (_, i) => `someone.with.a.long.name.${i}@contoso.example`)
    const urls = Q.packedUserFilterUrls(addresses, "mail", base)
    assert.isAbove(urls.length, 1)
    const asked: Array<string> = []
    for (const url of urls) {
      assert.isAtMost(`${base}${url}`.length, Q.MAX_URL_LENGTH)
      const filter = new URL(`${base}${url}`).searchParams.get("$filter")!
      asked.push(...[...filter.matchAll(/'([^']+)'/g)].map((m) => m[1]!))
    }
    assert.deepStrictEqual(asked, addresses)
    // Nearly full requests: the packing is greedy.
    assert.isAbove(`${base}${urls[0]}`.length, Q.MAX_URL_LENGTH - 60)
  })
})
