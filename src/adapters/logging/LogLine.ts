import { Cause, Layer, Logger, type LogLevel, References } from "effect"

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

/** `2025-08-24 19:00:00,123`, the seed's timestamp (Python's asctime), in UTC. */
export const timestamp = (date: Date): string =>
  `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
  `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())},${pad(date.getUTCMilliseconds(), 3)}`

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
// machine-readable and on one line
const PLAIN = /^[^\s"=\p{Cc}\p{Cf}\u2028\u2029]+$/u
const pair = (key: string, value: unknown): string => {
  const s = text(value)
  return PLAIN.test(s) ? `${key}=${s}` : `${key}=${escapeControls(JSON.stringify(s))}`
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
  let line = `${timestamp(entry.date)} - ${levelName(entry.level)} - [${id}] - ${escapeControls(messages.map(text).join(" "))}`
  for (const [key, value] of Object.entries(rest)) line += ` ${pair(escapeControls(key), value)}`
  return entry.cause === undefined || entry.cause === "" ? line : `${line}\n${indentCause(entry.cause)}`
}

/** The seed's log line as an Effect logger, written with `console.log` (Node and Deno alike). */
export const logger = Logger.make<unknown, void>(({ cause, date, fiber, logLevel, message }) => {
  globalThis.console.log(formatLine({
    date,
    level: logLevel,
    message,
    annotations: fiber.getRef(References.CurrentLogAnnotations),
    cause: cause.reasons.length > 0 ? Cause.pretty(cause) : undefined
  }))
})

export const layer: Layer.Layer<never> = Logger.layer([logger])
