import { Schema } from "effect"

/** What a failed cmdlet means, read off the documented error bodies (spec exchange-admin-rest.md §5). */
export const FaultKind = Schema.Literals([
  "GroupNotFound",
  "RecipientNotFound",
  "AlreadyMember",
  "NotMember",
  "AlreadyExists",
  "Ambiguous",
  "Throttled",
  "Unavailable",
  "Forbidden",
  "InvalidPagination",
  "Failed"
])
export type FaultKind = typeof FaultKind.Type

/** Adapter-private: one failed cmdlet. Never carries the body, only the ids Exchange put in it. */
export class ExchangeCommandError extends Schema.TaggedError<ExchangeCommandError>()("ExchangeCommandError", {
  cmdlet: Schema.String,
  status: Schema.Number,
  kind: FaultKind,
  errorId: Schema.String,
  exceptionType: Schema.String,
  /** The object the message names (`object '<id>'`, `Couldn't find object "<id>"`), if any. */
  subject: Schema.optional(Schema.String),
  retryAfterMillis: Schema.optional(Schema.Number)
}) {}

interface Parsed {
  readonly errorId: string
  readonly exceptionType: string
  readonly text: string
}

const str = (value: unknown): string => typeof value === "string" ? value : ""

/** `details[0].message` = `ErrorId|ExceptionType|text`, else `innererror.internalexception` (spec §5.1). */
export const parseErrorBody = (body: unknown, exceptionHeader: string | undefined): Parsed => {
  const error = (body as { error?: Record<string, unknown> } | undefined)?.error
  const details = error?.["details"]
  const first = Array.isArray(details) ? str((details[0] as { message?: unknown } | undefined)?.message) : ""
  const parts = first.split("|")
  if (parts.length >= 3) {
    return { errorId: parts[0]!.trim(), exceptionType: parts[1]!.trim(), text: parts.slice(2).join("|") }
  }
  const inner = (error?.["innererror"] as { internalexception?: { message?: unknown; type?: unknown } } | undefined)
    ?.internalexception
  return {
    errorId: "",
    exceptionType: str(inner?.type) || str(exceptionHeader),
    text: str(inner?.message) || first || str(error?.["message"])
  }
}

// spec §5.2 "Transient server": exception names the module retries.
const TRANSIENT_EXCEPTIONS = [
  "DCOverloadedException",
  "SuitabilityDirectoryException",
  "ServerInMMException",
  "ADServerSettingsChangedException",
  "StorageTransientException"
]

const subjectOf = (text: string): string | undefined =>
  /object '([^']+)' couldn't be found/i.exec(text)?.[1] ??
    /because '([^']+)' matches multiple entries/i.exec(text)?.[1] ??
    /multiple recipients matching the identity "([^"]+)"/i.exec(text)?.[1] ??
    /Couldn't find object "([^"]+)"/i.exec(text)?.[1] ??
    /The recipient "([^"]+)" isn't a member/i.exec(text)?.[1] ??
    /"([^"]+)" is already a member/i.exec(text)?.[1]

const kindOf = (status: number, parsed: Parsed, rawText: string): FaultKind => {
  const { errorId, exceptionType, text } = parsed
  const type = exceptionType.split(".").at(-1) ?? ""
  if (status === 401 || status === 403) return "Forbidden"
  if (status === 429 || /maximum number of concurrent requests per tenant/i.test(rawText)) return "Throttled"
  if (status === 503 || status === 504 || TRANSIENT_EXCEPTIONS.some((name) => exceptionType.includes(name))) {
    return "Unavailable"
  }
  // Ex9E65A2 (typed ManagementObjectNotFoundException!) / Ex8155FB: the identity matches several
  // recipients (spec §5.2); not a "not found". The texts count too: the ErrorId can be empty (§5.1).
  if (
    errorId === "Ex9E65A2" || errorId === "Ex8155FB" || type === "ManagementObjectAmbiguousException" ||
    /matches multiple entries|multiple recipients matching the identity/i.test(text)
  ) return "Ambiguous"
  // spec §3.3 (S7): a nextLink that expired (30 minutes) or does not fit the request re-POSTed to it.
  if (/Expired or Invalid pagination request/i.test(text)) return "InvalidPagination"
  if (errorId === "Ex94914C" || /Couldn't find object "/i.test(text)) return "RecipientNotFound"
  if (errorId === "Ex6F9304" || type === "ManagementObjectNotFoundException") return "GroupNotFound"
  if (type === "MemberAlreadyExistsException" || /is already a member of the group/i.test(text)) return "AlreadyMember"
  if (type === "MemberNotFoundException" || /isn't a member of the group/i.test(text)) return "NotMember"
  if (
    type === "ProxyAddressExistsException" || type === "ADObjectAlreadyExistsException" ||
    /is already being used/i.test(text)
  ) return "AlreadyExists"
  return "Failed"
}

/**
 * Classifies one failed cmdlet from its status and InvokeCommand error body, however it was run
 * (a whole response, one `$batch` item, or the sandbox model in process).
 */
export const classify = (input: {
  readonly cmdlet: string
  readonly status: number
  readonly body: unknown
  /** The body as sent, for the throttling text that can sit outside `details` (spec §5.2). */
  readonly rawText: string
  readonly exceptionHeader: string | undefined
  readonly retryAfterMillis?: number | undefined
}): ExchangeCommandError => {
  const parsed = parseErrorBody(input.body, input.exceptionHeader)
  const subject = subjectOf(parsed.text)
  return new ExchangeCommandError({
    cmdlet: input.cmdlet,
    status: input.status,
    kind: kindOf(input.status, parsed, input.rawText),
    errorId: parsed.errorId,
    exceptionType: parsed.exceptionType,
    ...(subject === undefined ? {} : { subject }),
    ...(input.retryAfterMillis === undefined ? {} : { retryAfterMillis: input.retryAfterMillis })
  })
}
