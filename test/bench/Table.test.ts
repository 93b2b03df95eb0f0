import { assert, describe, it } from "@effect/vitest"
import { formatCell, formatTable, ratio } from "../../bench/lib/Table.ts"

describe("formatTable", () => {
  it("aligns columns, right-aligns numbers and marks missing values", () => {
    const table = formatTable(["side", "ms", "calls"], [["ours", 120.5, 7], ["baseline", 51234, null]])
    const lines = table.split("\n")
    assert.strictEqual(lines.length, 4)
    assert.strictEqual(lines[0], "| side     | ms     | calls |")
    assert.strictEqual(lines[1], "|----------|-------:|------:|")
    assert.strictEqual(lines[2], "| ours     |    121 |     7 |")
    assert.strictEqual(lines[3], "| baseline | 51,234 |     – |")
  })

  it("formats fractions with a precision that fits their size", () => {
    assert.strictEqual(formatCell(0.01234), "0.012")
    assert.strictEqual(formatCell(3.14159), "3.14")
    assert.strictEqual(formatCell(12.345), "12.3")
    assert.strictEqual(formatCell(Number.NaN), "–")
    assert.strictEqual(formatCell("PASS"), "PASS")
  })
})

describe("ratio", () => {
  it("is ours over baseline, or null when it cannot be computed", () => {
    assert.strictEqual(ratio(5, 20), 0.25)
    assert.isNull(ratio(5, 0))
    assert.isNull(ratio(null, 3))
    assert.isNull(ratio(3, undefined))
  })
})
