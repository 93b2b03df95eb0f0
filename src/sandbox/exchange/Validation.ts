import type { Invocation } from "./Invocation.ts"
import * as Errors from "./ExchangeError.ts"
import type { ExchangeError } from "./ExchangeError.ts"

/** Limits from the cmdlet docs and spec peers-and-limits.md §3 ("Limits and validation"). */
export const MAX_NAME = 64
export const MAX_ALIAS = 64
export const MAX_DISPLAY_NAME = 256

// Letters, digits, ! # $ % & ' * + - / = ? ^ _ ` { | } ~, U+00A1..U+00FF; periods only between other characters.
const ALIAS_CHAR = /[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u00A1-\u00FF]/
const ALIAS = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u00A1-\u00FF]+(\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u00A1-\u00FF]+)*$/

export const checkName = (name: string): ExchangeError | undefined =>
  name.length > MAX_NAME ? Errors.tooLong(MAX_NAME, name.length) : undefined

export const checkDisplayName = (displayName: string): ExchangeError | undefined =>
  displayName.length > MAX_DISPLAY_NAME ? Errors.tooLong(MAX_DISPLAY_NAME, displayName.length) : undefined

export const checkAlias = (alias: string): ExchangeError | undefined =>
  alias.length > MAX_ALIAS ? Errors.tooLong(MAX_ALIAS, alias.length) : ALIAS.test(alias) ? undefined : Errors.invalidAlias(alias)

/** Docs (-Alias): without an Alias, Name is used "with spaces removed and unsupported characters converted to ?". */
export const aliasFromName = (name: string): string =>
  [...name.replace(/\s+/g, "")].map((c) => (c === "." || ALIAS_CHAR.test(c) ? c : "?")).join("").slice(0, MAX_ALIAS)

const BEST_FIT: Readonly<Record<string, string>> = { ä: "ae", ö: "oe", ü: "ue", Ä: "Ae", Ö: "Oe", Ü: "Ue", ß: "ss", æ: "ae", Æ: "AE", ø: "o", Ø: "O", å: "a", Å: "A" }

/** Docs (-Alias): U+00A1..U+00FF map to best-fit US-ASCII in the generated address (ö → oe). */
export const addressLocalPart = (alias: string): string =>
  [...alias].map((c) => BEST_FIT[c] ?? c.normalize("NFD").replace(/[\u0300-\u036f]/g, "")).join("")
    .replace(/[^\x21-\x7e]/g, "")

const SMTP = /^[^\s@"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/

/**
 * An SMTP address the tenant can own: well-formed, on an accepted domain (CUSTOM_DOMAIN or the
 * initial `.onmicrosoft.com` domain). Texts UNVERIFIED beyond the familiar "isn't correct" sentence.
 */
export const checkSmtpAddress = (invocation: Invocation, address: string): ExchangeError | undefined => {
  if (!SMTP.test(address)) {
    return Errors.invalidValue(
      `The email address "${address}" isn't correct. Please use this format: user name, the @ sign, followed by the domain name. For example, tonysmith@contoso.com or tony.smith@contoso.com.`
    )
  }
  const domain = address.slice(address.lastIndexOf("@") + 1).toLowerCase()
  return domain === invocation.state.domain || domain === invocation.organization.toLowerCase()
    ? undefined
    : Errors.invalidValue(`The domain "${domain}" of the address "${address}" isn't an accepted domain for your organization.`)
}

/** The first error of a list of checks, if any. */
export const firstError = (...checks: ReadonlyArray<ExchangeError | undefined>): ExchangeError | undefined =>
  checks.find((check) => check !== undefined)
