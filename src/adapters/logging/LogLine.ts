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

const text = (value: unknown): string => {
  if (typeof value === "string") return value
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

// a value with spaces, quotes or `=` is quoted so the pairs stay machine-readable
const pair = (key: string, value: unknown): string => {
  const s = text(value)
  return /^[^\s"=]+$/.test(s) ? `${key}=${s}` : `${key}=${JSON.stringify(s)}`
}

/**
 * One line in the seed's format, `<time> - <LEVEL> - [<request id>] - <message>`, followed by the other
 * annotations as `key=value` pairs; a cause, when there is one, on the lines after it.
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
  let line = `${timestamp(entry.date)} - ${levelName(entry.level)} - [${requestId === undefined || requestId === "" ? "-" : text(requestId)}] - ${messages.map(text).join(" ")}`
  for (const [key, value] of Object.entries(rest)) line += ` ${pair(key, value)}`
  return entry.cause === undefined || entry.cause === "" ? line : `${line}\n${entry.cause}`
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
