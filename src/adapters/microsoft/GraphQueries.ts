import { Schema } from "effect"
import type { DirectoryUser } from "../../domain/DistributionList.ts"
export { chunk } from "./Wire.ts"

// spec graph-and-identity.md §1.2 "Limits": `in` takes at most 15 expressions by default.
export const MAX_IN_VALUES = 15
// spec §2: at most 20 requests per JSON batch.
export const MAX_BATCH_REQUESTS = 20
// spec §3: getByIds takes at most 1,000 ids.
export const MAX_IDS_PER_CALL = 1000

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

const query = (filter: string, select: string) =>
  `/users?$filter=${encodeURIComponent(filter)}&$select=${select}`

export const userFilterUrl = (addresses: ReadonlyArray<string>, match: UserMatch): string =>
  query(`${match === "upn" ? "userPrincipalName" : "mail"} in ${inList(addresses)}`, SELECT)

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

export const GraphUser = Schema.Struct({
  "@odata.type": Schema.optional(Schema.String),
  id: Schema.String,
  userPrincipalName: Schema.optional(Schema.NullOr(Schema.String)),
  mail: Schema.optional(Schema.NullOr(Schema.String)),
  displayName: Schema.optional(Schema.NullOr(Schema.String)),
  proxyAddresses: Schema.optional(Schema.NullOr(Schema.Array(Schema.String)))
})
export type GraphUser = typeof GraphUser.Type

export const GraphUsers = Schema.Struct({ value: Schema.Array(GraphUser) })

export const toDirectoryUser = (user: GraphUser): DirectoryUser => ({
  id: user.id,
  userPrincipalName: user.userPrincipalName ?? user.mail ?? "",
  mail: user.mail ?? null,
  displayName: user.displayName ?? ""
})

/** The lower-cased addresses a user answers to: UPN and mail first, then SMTP proxy addresses. */
export const addressesOf = (user: GraphUser): ReadonlyArray<string> => [
  ...[user.userPrincipalName, user.mail].filter((value): value is string => typeof value === "string"),
  ...(user.proxyAddresses ?? []).filter((proxy) => /^smtp:/i.test(proxy)).map((proxy) => proxy.slice(5))
].map((address) => address.toLowerCase())
