import { assert, describe, it } from "@effect/vitest"
import { addressKey } from "../../../../src/adapters/http/auth/ClientAddress.ts"

describe("addressKey", () => {
  it("keeps IPv4 addresses, also IPv4-mapped ones", () => {
    assert.strictEqual(addressKey("203.0.113.7"), "203.0.113.7")
    assert.strictEqual(addressKey("::ffff:203.0.113.7"), "203.0.113.7")
  })

  it("counts an IPv6 address by its /64, however it is written", () => {
    const key = "2001:db8:1:2::/64"
    assert.deepStrictEqual(
      ["2001:db8:1:2:3:4:5:6", "2001:DB8:1:2::9", "2001:0db8:0001:0002:ffff::1", "2001:db8:1:2::1.2.3.4"].map(addressKey),
      [key, key, key, key]
    )
    assert.strictEqual(addressKey("2001:db8::1"), "2001:db8:0:0::/64")
    assert.strictEqual(addressKey("fe80::1%eth0"), "fe80:0:0:0::/64")
    assert.notStrictEqual(addressKey("2001:db8:1:3::1"), key)
  })

  it("leaves what is not an address alone", () => {
    assert.deepStrictEqual(["unknown", "1::2::3", "zz::1"].map(addressKey), ["unknown", "1::2::3", "zz::1"])
  })
})
