import { Clock, Duration, Effect, Schema } from "effect"
import { type HttpClient, HttpClientRequest, type HttpClientResponse } from "effect/http"
import type { UpstreamError } from "../../application/ports/UpstreamError.ts"
import type { CloudSettings } from "./Cloud.ts"
import type { Command, CommandResult } from "../exchange/Cmdlets.ts"
import { ExchangeCommandError } from "../exchange/CommandErrors.ts"
import { commandError } from "./ExchangeErrors.ts"
import type { Tokens } from "./Tokens.ts"
import { authorized, failed, headerValue, jsonBody, RESPONSE_TIMEOUT, type ResponseLimit } from "./Wire.ts"

// spec exchange-admin-rest.md §1.4: the module's app-only anchor.
const SYSTEM_MAILBOX = "SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}"
// spec §1.1: at most 10 cmdlets per `$batch`.
export const MAX_BATCH_COMMANDS = 10
/**
 * How long a cmdlet that writes a member list may take: REST-backed cmdlets time out after 15 minutes,
 * and Update-DistributionGroupMember with 10,000 members "might time out" within them
 * (microsoft-docs/exchange-online-powershell-v2.md); the module waits up to an hour for it (spec §7). So
 * the usual 120 s plus 90 ms a member, at most those 15 minutes; and running out of it is final: sent
 * again, the call would run beside the first, which Exchange may still be applying.
 */
const BULK_RESPONSE_TIMEOUT = Duration.minutes(15)

const responseLimit = (command: Command): ResponseLimit => {
  const members = command.parameters["Members"]
  const count = Array.isArray(members) ? members.length : 0
  const bulk = command.cmdlet === "Update-DistributionGroupMember" ||
    (command.cmdlet === "New-DistributionGroup" && count > 0)
  if (!bulk) return { timeout: RESPONSE_TIMEOUT, final: false }
  const scaled = Duration.sum(RESPONSE_TIMEOUT, Duration.millis(90 * count))
  return { timeout: Duration.min(scaled, BULK_RESPONSE_TIMEOUT), final: true }
}

// spec §3.3: pages of at most 1,000.
export const MAX_PAGE_SIZE = 1000
/** The most pages one walk over a paged cmdlet follows (10 million members). */
export const MAX_PAGES = 10_000

/**
 * `X-AnchorMailbox` (spec §1.4). The port hands us a bare address: sent as `SMTP:<address>`, the form
 * the module uses for parameter-based routing. A value that already has a prefix is sent as given; the
 * system mailbox (or no anchor at all) uses the app-only `APP:SystemMailbox{…}@<tenant>` form.
 */
export const anchorHeader = (anchor: string, tenantId: string): string => {
  const value = anchor.trim()
  // A header carries only visible ASCII here (fetch refuses a value past U+00FF or with a NUL before sending
  // anything): an address it cannot carry, such as `日本@contoso.com` from a caller's dlId, anchors app-only.
  if (value === "" || !/^[\x21-\x7e]+$/.test(value)) return `APP:${SYSTEM_MAILBOX}@${tenantId}`
  if (/^(?:UPN|SMTP|APP|MBX):/i.test(value)) return value
  if (value.toLowerCase().startsWith("systemmailbox{")) return `APP:${value}`
  return `SMTP:${value}`
}

const Envelope = Schema.Struct({
  value: Schema.optional(Schema.NullOr(Schema.Array(Schema.Unknown))),
  "@odata.nextLink": Schema.optional(Schema.String)
})

const BatchEnvelope = Schema.Struct({
  responses: Schema.Array(Schema.Struct({
    id: Schema.String,
    status: Schema.optional(Schema.Number),
    headers: Schema.optional(Schema.Unknown),
    body: Schema.optional(Schema.Unknown)
  }))
})

/** Adapter-private: a page link that is not Exchange's InvokeCommand; nothing was sent. */
export class UntrustedPageLink extends Schema.TaggedError<UntrustedPageLink>()("UntrustedPageLink", {}) {}

export const make = (client: HttpClient.HttpClient, tokens: Tokens["Service"], cloud: CloudSettings) => {
  const send = authorized(client, tokens, "exchange")
  const root = `${cloud.exchangeBaseUrl}/adminapi/beta/${encodeURIComponent(cloud.tenantId)}`
  const invokeUrl = `${root}/InvokeCommand`
  const baseOrigin = new URL(cloud.exchangeBaseUrl)

  // A nextLink must point at Exchange: our bearer token goes with the re-POST.
  const trustedLink = (link: string) => {
    const url = URL.parse(link)
    return url !== null && (url.origin === baseOrigin.origin ||
      (url.protocol === "https:" && url.port === "" && url.hostname.endsWith(`.${baseOrigin.hostname}`)))
  }

  // A page link a client hands back (inside its page token) must moreover be an InvokeCommand URL, with no
  // credentials or fragment in it and a plain tenant segment (a GUID or a domain, nothing encoded): we
  // re-POST the command there with our bearer token.
  const pageLink = (link: string) => {
    const url = URL.parse(link)
    return url !== null && trustedLink(link) && url.username === "" && url.password === "" && url.hash === "" &&
      /^\/adminapi\/beta\/[A-Za-z0-9.-]+\/invokecommand$/i.test(url.pathname)
  }

  const headersFor = (cmdlet: string, anchor: string) => ({
    "Content-Type": "application/json",
    "X-CmdletName": cmdlet,
    "X-AnchorMailbox": anchorHeader(anchor, cloud.tenantId)
  })

  const body = (command: Command) => ({
    CmdletInput: { CmdletName: command.cmdlet, Parameters: command.parameters }
  })

  const failure = (cmdlet: string, response: HttpClientResponse.HttpClientResponse) =>
    Effect.gen(function*() {
      const rawText = yield* response.text.pipe(Effect.orElseSucceed(() => ""))
      const parsed = yield* jsonBody(response)
      return commandError({
        cmdlet,
        status: response.status,
        body: parsed,
        rawText,
        retryAfter: response.headers["retry-after"],
        exceptionHeader: response.headers["x-exceptiontype"],
        nowMillis: yield* Clock.currentTimeMillis
      })
    })

  /** One POST of a cmdlet: its objects. A paged cmdlet goes page by page through `invokePage`. */
  const invoke = Effect.fnUntraced(function*(
    command: Command,
    anchor: string
  ): Effect.fn.Return<ReadonlyArray<unknown>, ExchangeCommandError | UpstreamError> {
    const response = yield* send(
      HttpClientRequest.post(invokeUrl).pipe(
        HttpClientRequest.setHeaders(headersFor(command.cmdlet, anchor)),
        HttpClientRequest.acceptJson,
        HttpClientRequest.bodyJsonUnsafe(body(command))
      ),
      command.cmdlet,
      responseLimit(command)
    )
    if (response.status < 200 || response.status >= 300) return yield* Effect.fail(yield* failure(command.cmdlet, response))
    const envelope = yield* Schema.decodeUnknownEffect(Envelope)(yield* jsonBody(response)).pipe(
      Effect.mapError(() => failed(command.cmdlet, "Exchange returned an unreadable response"))
    )
    return envelope.value ?? []
  })

  /**
   * One page of a paged cmdlet: the first (`link` absent) or the one at `link`, a nextLink an earlier page
   * returned, re-POSTed with the same body and headers (spec §3.3). Only a link to Exchange's InvokeCommand
   * is followed; any other is `untrusted` and nothing is sent. `next` is the following page's nextLink.
   */
  const invokePage = Effect.fnUntraced(function*<A>(
    command: Command,
    anchor: string,
    options: {
      readonly pageSize: number
      readonly link?: string | undefined
      readonly select?: ReadonlyArray<string> | undefined
      readonly onPage: (values: ReadonlyArray<unknown>) => ReadonlyArray<A>
    }
  ): Effect.fn.Return<
    { readonly values: ReadonlyArray<A>; readonly next: string | undefined },
    ExchangeCommandError | UpstreamError | UntrustedPageLink
  > {
    const operation = command.cmdlet
    if (options.link !== undefined && !pageLink(options.link)) return yield* new UntrustedPageLink()
    const url = options.link ??
      (options.select === undefined ? invokeUrl : `${invokeUrl}?$select=${options.select.map(encodeURIComponent).join(",")}`)
    const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(options.pageSize)))
    const response = yield* send(
      HttpClientRequest.post(url).pipe(
        HttpClientRequest.setHeaders({ ...headersFor(command.cmdlet, anchor), Prefer: `odata.maxpagesize=${pageSize}` }),
        HttpClientRequest.acceptJson,
        HttpClientRequest.bodyJsonUnsafe(body(command))
      ),
      operation
    )
    if (response.status < 200 || response.status >= 300) return yield* Effect.fail(yield* failure(command.cmdlet, response))
    const envelope = yield* Schema.decodeUnknownEffect(Envelope)(yield* jsonBody(response)).pipe(
      Effect.mapError(() => failed(operation, "Exchange returned an unreadable response"))
    )
    const next = envelope["@odata.nextLink"]
    if (next !== undefined && !pageLink(next)) {
      return yield* Effect.fail(failed(operation, "Exchange sent a nextLink to another host"))
    }
    return { values: options.onPage(envelope.value ?? []), next }
  })

  /** Up to 10 cmdlets in one `$batch` (spec §1.1); each gets its own result. */
  const batch = Effect.fnUntraced(function*(
    commands: ReadonlyArray<Command>,
    anchor: string
  ): Effect.fn.Return<ReadonlyArray<CommandResult>, ExchangeCommandError | UpstreamError> {
    const cmdlet = commands[0]?.cmdlet ?? "$batch"
    const requests = commands.map((command, i) => ({
      id: String(i + 1),
      method: "POST",
      url: invokeUrl,
      headers: headersFor(command.cmdlet, anchor),
      body: body(command)
    }))
    const response = yield* send(
      HttpClientRequest.post(`${root}/$batch`).pipe(
        HttpClientRequest.setHeaders({ ...headersFor(cmdlet, anchor), Prefer: "odata.continue-on-error" }),
        HttpClientRequest.acceptJson,
        HttpClientRequest.bodyJsonUnsafe({ requests })
      ),
      cmdlet
    )
    if (response.status < 200 || response.status >= 300) return yield* Effect.fail(yield* failure(cmdlet, response))
    const envelope = yield* Schema.decodeUnknownEffect(BatchEnvelope)(yield* jsonBody(response)).pipe(
      Effect.mapError(() => failed(cmdlet, "Exchange returned an unreadable $batch response"))
    )
    const byId = new Map(envelope.responses.map((item) => [item.id, item]))
    const now = yield* Clock.currentTimeMillis
    return commands.map((command, i): CommandResult => {
      const item = byId.get(String(i + 1))
      const itemBody = item?.body as { error?: unknown; value?: unknown } | undefined
      // S4 reads only `body`; a missing status is judged by the body (spec §1.1 "Batch").
      const status = item?.status ?? (itemBody?.error === undefined ? 200 : 400)
      if (item !== undefined && status >= 200 && status < 300) {
        return { _tag: "Ok", value: Array.isArray(itemBody?.value) ? itemBody.value : [] }
      }
      return {
        _tag: "Error",
        error: item === undefined
          ? new ExchangeCommandError({ cmdlet: command.cmdlet, status: 503, kind: "Unavailable", errorId: "", exceptionType: "" })
          : commandError({
            cmdlet: command.cmdlet,
            status,
            body: item.body,
            rawText: typeof item.body === "string" ? item.body : "",
            retryAfter: headerValue(item.headers, "retry-after"),
            exceptionHeader: headerValue(item.headers, "x-exceptiontype"),
            nowMillis: now
          })
      }
    })
  })

  return { invoke, invokePage, batch }
}

export type ExchangeClient = ReturnType<typeof make>
