import { assert, describe, it } from "@effect/vitest"
import { vi } from "vitest"
import { Effect } from "effect"
import * as LogLine from "../../../src/adapters/logging/LogLine.ts"
import { shown } from "../../../src/application/LogText.ts"

const date = new Date(Date.UTC(2025, 7, 24, 19, 0, 1, 23))

describe("formatLine", () => {
  it("writes the seed's format: time, level, [request id], message", () => {
    assert.strictEqual(
      LogLine.formatLine({ date, level: "Info", message: "Creating Distribution List: Marketing Team", annotations: { requestId: "abc123-def456" } }),
      "2025-08-24 19:00:01,023 - INFO - [abc123-def456] - Creating Distribution List: Marketing Team"
    )
  })

  it("names levels as the seed does and marks a line outside any request with [-]", () => {
    const level = (l: "Debug" | "Warn" | "Error" | "Fatal") =>
      LogLine.formatLine({ date, level: l, message: "m", annotations: {} }).split(" - ").slice(1, 3).join(" ")
    assert.deepStrictEqual([level("Debug"), level("Warn"), level("Error"), level("Fatal")], [
      "DEBUG [-]",
      "WARNING [-]",
      "ERROR [-]",
      "CRITICAL [-]"
    ])
  })

  it("appends the other annotations as key=value, quoting values that need it, and the cause below", () => {
    const line = LogLine.formatLine({
      date,
      level: "Warn",
      message: ["HTTP request", 2],
      annotations: { requestId: "r1", method: "GET", path: "/api/dl/a b", status: 404 },
      cause: "Error: boom"
    })
    assert.strictEqual(line, "2025-08-24 19:00:01,023 - WARNING - [r1] - HTTP request 2 method=GET path=\"/api/dl/a b\" status=404\n\tError: boom")
  })
})

it("writes an Error as its name and message, not as {}", () => {
  const line = LogLine.formatLine({ date, level: "Warn", message: ["NodeRedis client error", new TypeError("connect ECONNREFUSED")], annotations: { reason: new Error("x") } })
  assert.strictEqual(line, "2025-08-24 19:00:01,023 - WARNING - [-] - NodeRedis client error TypeError: connect ECONNREFUSED reason=\"Error: x\"")
})

describe("forged lines", () => {
  const forged = "x\n2025-01-01 00:00:00,000 - CRITICAL - [admin] - forged"
  const lines = (line: string) => line.split("\n")
  const looksLikeEntry = (line: string) => /^\d{4}-\d\d-\d\d /.test(line)

  it("a newline (or any control character) in the message, request id or annotations stays on the line", () => {
    const line = LogLine.formatLine({
      date,
      level: "Info",
      message: `Fetching Distribution List: ${forged}\u2028\u0085\u0007`,
      annotations: { requestId: "r\r1", path: `/api/dl/${forged}`, [`k\ney`]: "v" }
    })
    assert.strictEqual(lines(line).length, 1)
    assert.include(line, "Fetching Distribution List: x\\n2025-01-01")
    assert.include(line, "\\u2028\\u0085\\u0007")
    assert.include(line, "[r\\r1]")
    assert.include(line, "path=\"/api/dl/x\\n2025-01-01 00:00:00,000 - CRITICAL - [admin] - forged\"")
  })

  it("bidirectional and invisible format characters are escaped too: what a reader sees is what was sent", () => {
    const line = LogLine.formatLine({
      date,
      level: "Info",
      message: "Fetching Distribution List: abc\u202edelete\u2066x\u200by\ufeff\u00ad\u2061\u{e0041}",
      annotations: { dlId: "team\u202e" }
    })
    assert.include(line, "abc\\u202edelete\\u2066x\\u200by\\ufeff\\u00ad\\u2061\\u{e0041}")
    assert.include(line, "dlId=\"team\\u202e\"")
    assert.notMatch(line, /[\u202e\u2066\u200b\ufeff\u00ad\u2061\u{e0041}]/u)
  })

  it("a value cannot read as more key=value pairs, nor end a message that shows it (shown)", () => {
    const dlId = "x - audit audit=true caller=adm callerKind=apiKey action=delete dlId=sales status=200"
    const line = LogLine.formatLine({
      date,
      level: "Info",
      message: `Fetching Distribution List: ${shown(dlId)}`,
      annotations: { requestId: "r1", dlId }
    })
    const shownId = "\"x - audit audit\\u003dtrue caller\\u003dadm callerKind\\u003dapiKey action\\u003ddelete dlId\\u003dsales status\\u003d200\""
    assert.strictEqual(line, `2025-08-24 19:00:01,023 - INFO - [r1] - Fetching Distribution List: ${shownId} dlId=${shownId}`)
    // what a key=value reader finds on the line: the one real pair
    assert.deepStrictEqual(line.match(/\b\w+=/g), ["dlId="])
    assert.strictEqual(JSON.parse(shownId), dlId, "still JSON: the value reads back as it was")
    assert.strictEqual(shown("marketing-team"), "marketing-team", "a plain word as it is")
  })

  it("a cause keeps its lines, each indented, so none can start like an entry", () => {
    const line = LogLine.formatLine({ date, level: "Error", message: "failed", annotations: {}, cause: `Error: ${forged}\n    at f (a.ts:1)` })
    const [first, ...rest] = lines(line)
    assert.isTrue(looksLikeEntry(first!))
    assert.deepStrictEqual(rest, ["\tError: x", "\t2025-01-01 00:00:00,000 - CRITICAL - [admin] - forged", "\t    at f (a.ts:1)"])
    assert.isFalse(rest.some(looksLikeEntry))
  })
})

describe("logger", () => {
  it.effect("prints one line per log with the fiber's annotations", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const original = globalThis.console.log
      globalThis.console.log = (line: string) => void lines.push(line)
      yield* Effect.logWarning("Member not added").pipe(
        Effect.annotateLogs({ requestId: "req-9", member: "x@contoso.example" }),
        Effect.provide(LogLine.layer),
        Effect.ensuring(Effect.sync(() => {
          globalThis.console.log = original
        }))
      )
      assert.strictEqual(lines.length, 1)
      assert.match(lines[0]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - WARNING - \[req-9\] - Member not added member=x@contoso\.example$/)
    }))
})

describe("batched sink", () => {
  it("holds lines and writes them at once, in order", () => {
    const out: Array<string> = []
    const sink = LogLine.makeBatchedSink((text) => void out.push(text))
    sink.write("a")
    sink.write("b")
    assert.deepStrictEqual(out, [])
    sink.flush()
    assert.deepStrictEqual(out, ["a\nb"])
    sink.flush()
    assert.deepStrictEqual(out, ["a\nb"], "nothing held, nothing written")
  })

  it("writes an urgent line at once, after the lines held before it", () => {
    const out: Array<string> = []
    const sink = LogLine.makeBatchedSink((text) => void out.push(text))
    sink.write("info")
    sink.write("error", true)
    assert.deepStrictEqual(out, ["info\nerror"])
  })

  it("writes what it holds within BATCH_MILLIS", () => {
    vi.useFakeTimers()
    try {
      const out: Array<string> = []
      const sink = LogLine.makeBatchedSink((text) => void out.push(text))
      sink.write("a")
      vi.advanceTimersByTime(LogLine.BATCH_MILLIS - 1)
      sink.write("b")
      assert.deepStrictEqual(out, [])
      vi.advanceTimersByTime(1)
      assert.deepStrictEqual(out, ["a\nb"])
      sink.write("c")
      vi.advanceTimersByTime(LogLine.BATCH_MILLIS)
      assert.deepStrictEqual(out, ["a\nb", "c"])
    } finally {
      vi.useRealTimers()
    }
  })
})

describe("prepared", () => {
  it("gives the line formatLine gives", () => {
    const date = new Date(Date.UTC(2026, 10, 24, 23, 5, 1, 7))
    const annotations = { method: "GET", path: "/api/dl/a b\u0007", status: 404 }
    const line = LogLine.prepared("Info", "HTTP request", annotations)
    assert.strictEqual(
      line(date, "req-1", " durationMs=3"),
      LogLine.formatLine({ date, level: "Info", message: "HTTP request", annotations: { requestId: "req-1", ...annotations, durationMs: 3 } })
    )
    assert.strictEqual(line(date, "req-1", ""), `2026-11-24 23:05:01,007 - INFO - [req-1] - HTTP request method=GET path="/api/dl/a b\\u0007" status=404`)
  })
})

describe("timestamp", () => {
  it("gives each millisecond its own text", () => {
    const t = Date.UTC(2026, 0, 2, 3, 4, 5, 6)
    assert.strictEqual(LogLine.timestamp(new Date(t)), "2026-01-02 03:04:05,006")
    assert.strictEqual(LogLine.timestamp(new Date(t)), "2026-01-02 03:04:05,006")
    assert.strictEqual(LogLine.timestamp(new Date(t + 1)), "2026-01-02 03:04:05,007")
  })
})
