import type { DirectoryUser } from "../../domain/DistributionList.ts"
export { chunk } from "./Wire.ts"

// spec graph-and-identity.md §1.2 "Limits": `in` takes at most 15 expressions by default.
export const MAX_IN_VALUES = 15
// spec §2: at most 20 requests per JSON batch.
export const MAX_BATCH_REQUESTS = 20
// spec §3: getByIds takes at most 1,000 ids.
export const MAX_IDS_PER_CALL = 1000
// spec §1.2: with the advanced-query parameters an `in` list is bounded by the URL length instead of 15 values.
export const MAX_URL_LENGTH = 2048
// The limit is Graph's, so it is counted on Graph's URL even when `graphBaseUrl` points elsewhere and is
// shorter (a local sandbox, a proxy); the sandbox measures the same way (src/sandbox/graph/GraphQuery.ts).
const GRAPH_BASE_URL = "https://graph.microsoft.com/v1.0"
// spec §1.1: `$top` accepts 1–999 (the default page of 100 could cut a long `in` list's answer short).
const MAX_TOP = 999

/** Advanced-query parameters (spec §1.2): this header on the request (inside `$batch`: per request) and `$count=true`. */
export const ADVANCED_HEADERS: Readonly<Record<string, string>> = { ConsistencyLevel: "eventual" }

/** An OData string literal: single quotes doubled. */
export const odataString = (value: string): string => `'${value.replaceAll("'", "''")}'`

const inList = (values: ReadonlyArray<string>) => `(${values.map(odataString).join(",")})`

/**
 * Graph allows 15 expressions per filter by default, and the directory counts every `in` value and
 * every `or` branch against that one budget (spec graph-and-identity.md §1.2: "limited to 15
 * expressions in the filter clause"; the sandbox enforces it the same way). So each request asks one
 * property about ≤ 15 addresses: first `mail` (what callers send), then, for what is still unresolved,
 * `userPrincipalName` and the SMTP proxy addresses.
 */
export type UserMatch = "mail" | "upn"

export const SELECT = "id,userPrincipalName,mail,displayName"

// `@` and `,` are legal in a query component (RFC 3986 pchar, sub-delims); leaving them plain lets more
// addresses fit the 2,048-character URL.
const encodeQuery = (value: string) =>
  PLAIN.test(value) ? value : encodeURIComponent(value).replaceAll("%40", "@").replaceAll("%2C", ",")
// What encodeQuery leaves as it is anyway: most addresses, quoted, skip the encoder.
const PLAIN = /^[A-Za-z0-9._~'@,()!*-]*$/

const query = (filter: string, select: string) => `/users?$filter=${encodeQuery(filter)}&$select=${select}`

export const userFilterUrl = (addresses: ReadonlyArray<string>, match: UserMatch): string =>
  query(`${match === "upn" ? "userPrincipalName" : "mail"} in ${inList(addresses)}`, SELECT)

/**
 * `mail in (…)` or `userPrincipalName in (…)` as advanced queries (send them with `ADVANCED_HEADERS`), each
 * with as many addresses as fit `MAX_URL_LENGTH` counted on the absolute URL (`graphBaseUrl`, or Graph's own
 * when that is longer, + the relative one returned): about 60 typical addresses per request instead of 15.
 * Advanced queries read an eventually consistent index, so an address they miss must be asked again with a
 * default query.
 */
export const packedUserFilterUrls = (
  addresses: ReadonlyArray<string>,
  match: UserMatch,
  graphBaseUrl: string
): ReadonlyArray<string> => {
  const head = `/users?$filter=${encodeQuery(`${match === "upn" ? "userPrincipalName" : "mail"} in (`)}`
  const tail = `${encodeQuery(")")}&$select=${SELECT}&$count=true&$top=${MAX_TOP}`
  const budget = MAX_URL_LENGTH - Math.max(graphBaseUrl.length, GRAPH_BASE_URL.length) - head.length - tail.length
  const urls: Array<string> = []
  let values: Array<string> = []
  let length = 0
  for (const address of addresses) {
    const value = PLAIN.test(address) && !address.includes("'") ? `'${address}'` : encodeQuery(odataString(address))
    const extra = value.length + (values.length > 0 ? 1 : 0)
    if (values.length > 0 && (length + extra > budget || values.length === MAX_TOP)) {
      urls.push(`${head}${values.join(",")}${tail}`)
      values = []
      length = 0
    }
    length += value.length + (values.length > 0 ? 1 : 0)
    values.push(value)
  }
  if (values.length > 0) urls.push(`${head}${values.join(",")}${tail}`)
  return urls
}

/**
 * Secondary SMTP addresses: `proxyAddresses/any(p:p eq 'smtp:…')` (spec §1.2, "Default" support),
 * one lambda per address joined by `or`, ≤15 per request. Values are sent lower-case `smtp:`;
 * whether Graph compares them case-insensitively is UNVERIFIED.
 */
export const proxyFilterUrl = (addresses: ReadonlyArray<string>): string =>
  query(
    addresses.map((address) => `proxyAddresses/any(p:p eq ${odataString(`smtp:${address}`)})`).join(" or "),
    `${SELECT},proxyAddresses`
  )

/**
 * spec §1.2 "Limits": "When filtering using the `eq` operator, the maximum limit of the value to match is
 * 120 characters"; with the advanced-query parameters the URL length bounds it instead. Whether an `in`
 * value counts as one is not said: treated as one.
 */
export const MAX_EQ_VALUE_LENGTH = 120

/** Whether an address is too long for a default query in one of the ways it is matched (`smtp:<address>`). */
export const needsAdvancedMatch = (address: string): boolean => `smtp:${address}`.length > MAX_EQ_VALUE_LENGTH

/**
 * One address matched as mail, UPN or secondary SMTP address in one advanced query (send it with
 * `ADVANCED_HEADERS`): for an address past `MAX_EQ_VALUE_LENGTH`, which default queries cannot carry.
 */
export const longAddressFilterUrl = (address: string): string =>
  `${
    query(
      `mail eq ${odataString(address)} or userPrincipalName eq ${odataString(address)} or ` +
        `proxyAddresses/any(p:p eq ${odataString(`smtp:${address}`)})`,
      `${SELECT},proxyAddresses`
    )
  }&$count=true`

export interface GraphUser {
  readonly "@odata.type"?: string | undefined
  readonly id: string
  readonly userPrincipalName?: string | null | undefined
  readonly mail?: string | null | undefined
  readonly displayName?: string | null | undefined
  readonly proxyAddresses?: ReadonlyArray<string> | null | undefined
}

const optionalText = (value: unknown): boolean => value === undefined || value === null || typeof value === "string"

const isGraphUser = (value: unknown): value is GraphUser => {
  if (typeof value !== "object" || value === null) return false
  const user = value as Record<string, unknown>
  const proxies = user["proxyAddresses"]
  return typeof user["id"] === "string" && optionalText(user["userPrincipalName"]) && optionalText(user["mail"]) &&
    optionalText(user["displayName"]) && (user["@odata.type"] === undefined || typeof user["@odata.type"] === "string") &&
    (proxies === undefined || proxies === null || (Array.isArray(proxies) && proxies.every((p) => typeof p === "string")))
}

/**
 * The `value` of a Graph user list (`{ value: [user…] }`), or undefined when any entry is not a user. Checked
 * by hand, not by a Schema decode: it runs once per address validated (10,000 for a big create).
 */
export const readUsers = (body: unknown): ReadonlyArray<GraphUser> | undefined => {
  const value = typeof body === "object" && body !== null ? (body as { readonly value?: unknown }).value : undefined
  return Array.isArray(value) && value.every(isGraphUser) ? value : undefined
}

export const toDirectoryUser = (user: GraphUser): DirectoryUser => ({
  id: user.id,
  userPrincipalName: user.userPrincipalName ?? user.mail ?? "",
  mail: user.mail ?? null,
  displayName: user.displayName ?? ""
})
