import { Schema } from "effect"

/**
 * Throttled (429) or temporarily unavailable (503/504, network): worth retrying. `throttled`: refused
 * before any work was done; otherwise the call may have been applied before it failed.
 */
export class Transient extends Schema.TaggedError<Transient>()("Transient", {
  throttled: Schema.Boolean,
  status: Schema.optional(Schema.Number),
  retryAfterMillis: Schema.optional(Schema.Number)
}) {}

/** Our credentials or roles were refused; retrying will not help. */
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", {
  hint: Schema.String
}) {}

/** Anything else the upstream refused or failed at; the text never holds secrets or bodies. */
export class Failed extends Schema.TaggedError<Failed>()("Failed", {
  detail: Schema.String
}) {}

/** The `operation` of a failure to get our own access token: one of ours to fix (readiness reports it). */
export const ACQUIRE_TOKEN = "Tokens.acquire"

/** A failure of Microsoft Graph, Exchange Online or the identity platform. */
export class UpstreamError extends Schema.TaggedError<UpstreamError>()("UpstreamError", {
  operation: Schema.String,
  reason: Schema.Union([Transient, Forbidden, Failed])
}) {
  override get message() {
    const reason = this.reason
    switch (reason._tag) {
      case "Transient":
        return `${this.operation}: upstream temporarily unavailable${reason.status ? ` (${reason.status})` : ""}`
      case "Forbidden":
        return `${this.operation}: ${reason.hint}`
      case "Failed":
        return `${this.operation}: ${reason.detail}`
    }
  }
}
