import { describe, expect, it } from "@effect/vitest"
import * as LogGate from "../../../src/adapters/redis/LogGate.ts"

describe("LogGate", () => {
  it("opens once per interval for each key", () => {
    const gate = LogGate.make(1_000)
    expect(gate.open("a", 0)).toBe(true)
    expect(gate.open("a", 999)).toBe(false)
    expect(gate.open("b", 999)).toBe(true)
    expect(gate.open("a", 1_000)).toBe(true)
    expect(gate.open("a", 1_500)).toBe(false)
  })

  it("defaults to once a minute", () => {
    const gate = LogGate.make()
    expect(gate.open("a", 0)).toBe(true)
    expect(gate.open("a", 59_999)).toBe(false)
    expect(gate.open("a", LogGate.INTERVAL_MILLIS)).toBe(true)
  })
})
