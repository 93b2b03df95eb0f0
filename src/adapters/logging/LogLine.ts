import { Cause, Context, Effect, Layer, Logger, type LogLevel, References } from "effect"
import process from "node:process"
import { shown } from "../../application/LogText.ts"

/** The seed's level names (Python logging): Effect's Warn is WARNING, Fatal is CRITICAL. */
const levelName = (level: LogLevel.LogLevel): string => {
  switch (level) {
    case "Trace":
    case "Debug":
      return "DEBUG"
    case "Info":
      return "INFO"
    case "Warn":
      return "WARNING"
    case "Error":
      return "ERROR"
    default:
      return "CRITICAL"
  }
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

// many lines share a millisecond under load: the last one's text is reused
let stampedAt = Number.NaN
let stamp = ""

/** `2025-08-24 19:00:00,123`, the seed's timestamp (Python's asctime), in UTC. */
export const timestamp = (date: Date): string => {
  const millis = date.getTime()
  if (millis === stampedAt) return stamp
  stampedAt = millis
  stamp = `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())},${pad(date.getUTCMilliseconds(), 3)}`
  return stamp
}

// Caller input (a dlId from the path, a name from the body) reaches messages: no control character may
// break a line, or one request could write a forged line with its own time, level and request id. Nor
// may bidirectional or invisible format characters reorder or hide the text a reader sees on the line.
// Controls (Cc), format characters (Cf: bidirectional marks, zero-width ones, tags) and line separators.
const CONTROL = /[\p{Cc}\p{Cf}\u2028\u2029]/gu

const codePointEscape = (c: string): string => {
  const code = c.codePointAt(0)!
  return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, "0")}`
}

/** Control characters as visible escapes (`\n`, `\u0007`, `\u{e0041}`), so a value stays on its line. */
export const escapeControls = (value: string): string =>
  value.replace(CONTROL, (c) => c === "\n" ? "\\n" : c === "\r" ? "\\r" : c === "\t" ? "\\t" : codePointEscape(c))

/** A multi-line cause keeps its lines, each continuation indented so that none can pass for a log line. */
const indentCause = (cause: string): string =>
  cause.split(/\r\n|\r|\n/).map((line) => "\t" + escapeControls(line)).join("\n")

const text = (value: unknown): string => {
  if (typeof value === "string") return value
  // JSON.stringify writes an Error as `{}`
  if (value instanceof Error) return `${value.name}: ${value.message}`
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

// a value with spaces, quotes, `=` or control characters is quoted (and escaped) so the pairs stay
// machine-readable and on one line, and a value cannot read as more pairs
const pair = (key: string, value: unknown): string => `${key}=${escapeControls(shown(text(value)))}`

const pairs = (annotations: Readonly<Record<string, unknown>>): string => {
  let out = ""
  for (const [key, value] of Object.entries(annotations)) out += ` ${pair(escapeControls(key), value)}`
  return out
}

/**
 * One line in the seed's format, `<time> - <LEVEL> - [<request id>] - <message>`, followed by the other
 * annotations as `key=value` pairs; a cause, when there is one, on tab-indented lines after it. Control
 * characters in the message, the request id and keys are escaped; values with them are JSON-quoted.
 */
export const formatLine = (entry: {
  readonly date: Date
  readonly level: LogLevel.LogLevel
  readonly message: unknown
  readonly annotations: Readonly<Record<string, unknown>>
  readonly cause?: string | undefined
}): string => {
  const { requestId, ...rest } = entry.annotations
  const messages = Array.isArray(entry.message) ? entry.message : [entry.message]
  const id = requestId === undefined || requestId === "" ? "-" : escapeControls(text(requestId))
  const line = `${timestamp(entry.date)} - ${levelName(entry.level)} - [${id}] - ${escapeControls(messages.map(text).join(" "))}${pairs(rest)}`
  return entry.cause === undefined || entry.cause === "" ? line : `${line}\n${indentCause(entry.cause)}`
}

/**
 * `formatLine` for many lines that differ only in time, request id and trailing pairs: the level, message
 * and `annotations` are formatted once. `requestId` must come from `requestIdOf` (nothing in it to escape);
 * `more` is appended as it is (` key=value` pairs that need no quoting).
 */
export const prepared = (
  level: LogLevel.LogLevel,
  message: string,
  annotations: Readonly<Record<string, unknown>>
): (date: Date, requestId: string, more: string) => string => {
  const head = ` - ${levelName(level)} - [`
  const tail = `] - ${escapeControls(message)}${pairs(annotations)}`
  return (date, requestId, more) => `${timestamp(date)}${head}${requestId}${tail}${more}`
}

/** Where the lines go. */
export interface Sink {
  /** `urgent`: out before this returns, with any line held before it (errors, a process about to stop). */
  readonly write: (line: string, urgent?: boolean) => void
  readonly flush: () => void
}

const print = (text: string) => globalThis.console.log(text)

/** Each line at once, with `console.log` (Node and Deno alike). */
export const consoleSink: Sink = { write: print, flush: () => {} }

/** How long a line may wait for others to go out with it. */
export const BATCH_MILLIS = 10

/**
 * The lines of `BATCH_MILLIS` in one write: under load a write per line cost more than the rest of a
 * cached lookup (bench/HandWrittenFloor.ts). An ERROR or worse line goes out at once, with the lines before
 * it, and so does everything held when the process exits (a crash included); only a kill can lose the last
 * lines, as it loses the requests under way.
 */
export const makeBatchedSink = (out: (text: string) => void = print): Sink => {
  const held: Array<string> = []
  let timer: ReturnType<typeof setTimeout> | undefined
  const flush = () => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    if (held.length === 0) return
    const text = held.length === 1 ? held[0]! : held.join("\n")
    held.length = 0
    out(text)
  }
  return {
    write: (line, urgent = false) => {
      held.push(line)
      if (urgent) flush()
      else if (timer === undefined) timer = unref(setTimeout(flush, BATCH_MILLIS))
    },
    flush
  }
}

// a held line must not keep the process alive: its exit flushes it
const unref = <T>(timer: T): T => {
  ;(timer as { unref?: () => void }).unref?.()
  return timer
}

/** The sink the service's logger writes to, for lines written without Effect (`FastPath`). */
export const CurrentSink = Context.Reference<Sink>("distribution-list-api/adapters/logging/LogLine/CurrentSink", {
  defaultValue: () => consoleSink
})

const urgent = (level: LogLevel.LogLevel) => level === "Error" || level === "Fatal"

/** The seed's log line as an Effect logger, written to `sink`. */
export const loggerTo = (sink: Sink) =>
  Logger.make<unknown, void>(({ cause, date, fiber, logLevel, message }) => {
    sink.write(
      formatLine({
        date,
        level: logLevel,
        message,
        annotations: fiber.getRef(References.CurrentLogAnnotations),
        cause: cause.reasons.length > 0 ? Cause.pretty(cause) : undefined
      }),
      urgent(logLevel)
    )
  })

/** The seed's log line as an Effect logger, written with `console.log` line by line. */
export const logger = loggerTo(consoleSink)

export const layer: Layer.Layer<never> = Logger.layer([logger])

/** The logger over a batched sink (`makeBatchedSink`), also provided as `CurrentSink`; flushed when the layer ends. */
export const layerBatched: Layer.Layer<never> = Layer.unwrap(Effect.gen(function*() {
  const sink = makeBatchedSink()
  const onExit = () => sink.flush()
  process.on("exit", onExit)
  yield* Effect.addFinalizer(() =>
    Effect.sync(() => {
      process.off("exit", onExit)
      sink.flush()
    })
  )
  return Layer.merge(Logger.layer([loggerTo(sink)]), Layer.succeed(CurrentSink, sink))
}))
