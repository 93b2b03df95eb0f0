import type { InputIssue } from "./Errors.ts"
import { MAX_ALIAS_LENGTH, MAX_DISPLAY_NAME_LENGTH } from "./Limits.ts"
import { HTML_ENTITIES, TRANSLITERATION } from "./PythonSlugifyTables.ts"

export { MAX_ALIAS_LENGTH, MAX_DISPLAY_NAME_LENGTH } from "./Limits.ts"

// The seed makes aliases with python-slugify (legacy pipeline of un33k/python-slugify slugify/slugify.py),
// which transliterates with text-unidecode: both are reproduced here, their tables generated from them.
const QUOTES = /'+/g
const DIGIT_COMMA = /(?<=\p{Nd}),(?=\p{Nd})/gu
const DISALLOWED = /[^-a-zA-Z0-9]+/g
const DASHES = /-{2,}/g
const EDGE_DASHES = /^-+|-+$/g
const CHAR_ENTITY = new RegExp(`&(${Object.keys(HTML_ENTITIES).join("|")});`, "g")
const DECIMAL_ENTITY = /&#(\d+);/g
const HEX_ENTITY = /&#x([\da-fA-F]+);/g

let table: ReadonlyArray<string> | undefined

/** text-unidecode: ASCII as it is, U+0080–U+FFFF from its table, anything above left out. */
const transliterate = (text: string): string => {
  table ??= TRANSLITERATION.split("\t")
  let out = ""
  for (const character of text) {
    const code = character.codePointAt(0)!
    out += code < 0x80 ? character : code <= 0xffff ? table[code - 0x80]! : ""
  }
  return out
}

/** Each kind of numeric reference is decoded all or nothing: one out of range leaves all of that kind. */
const decodeReferences = (text: string, pattern: RegExp, radix: number): string => {
  try {
    return text.replace(pattern, (_, digits: string) => String.fromCodePoint(parseInt(digits, radix)))
  } catch {
    return text
  }
}

/**
 * The Exchange alias (and Name) generated from a display name, exactly as the seed's `slugify(name)`:
 * transliterated to ASCII ("Équipe Ventes Süd" → "equipe-ventes-sud", "日本語チーム" → "ri-ben-yu-timu"),
 * words joined by single hyphens, symbols and punctuation separating them ("  R&D -- Ops!! " → "r-d-ops"),
 * an ASCII apostrophe too ("Women's" → "women-s"; a typographic one joins: "Women’s" → "womens"). The
 * result only holds `[a-z0-9-]`, a subset of Exchange's alias characters, with no hyphen at either end.
 * It may be empty or longer than 64 characters: `nameIssues` reports both, nothing is truncated.
 */
export const aliasFromName = (name: string): string => {
  let text = transliterate(name.replace(QUOTES, "-").normalize("NFKD"))
  text = text.replace(CHAR_ENTITY, (_, entity: string) => String.fromCodePoint(HTML_ENTITIES[entity]!))
  text = decodeReferences(decodeReferences(text, DECIMAL_ENTITY, 10), HEX_ENTITY, 16)
  text = text.normalize("NFKD").toLowerCase().replace(QUOTES, "").replace(DIGIT_COMMA, "")
  return text.replace(DISALLOWED, "-").replace(DASHES, "-").replace(EDGE_DASHES, "")
}

// A line break, tab or other control character inside a display name would be stored as sent and reach
// every address book and client that shows the list. So would a bidi override, embedding or isolate, which
// shows the name in another order than it is stored ("Sales\u202Emaet" reads "Salesteam"); the marks
// right-to-left text uses (U+200E, U+200F) are kept.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/

/** A display name (trimmed) with a control character in it, located at `loc`. */
export const controlCharacterIssues = (
  value: string,
  loc: ReadonlyArray<string | number>
): ReadonlyArray<InputIssue> =>
  CONTROL.test(value.trim())
    ? [{ type: "value_error", loc: [...loc], msg: "Value error, must not contain line breaks, tabs or other control characters" }]
    : []

/** The problems with a requested DL name, located at `loc`; empty when the name is usable. */
export const nameIssues = (name: string, loc: ReadonlyArray<string | number>): ReadonlyArray<InputIssue> => {
  const displayName = name.trim()
  if (displayName.length === 0) {
    return [{ type: "value_error", loc: [...loc], msg: "Value error, name must not be blank" }]
  }
  const issues: Array<InputIssue> = [...controlCharacterIssues(name, loc)]
  if (displayName.length > MAX_DISPLAY_NAME_LENGTH) {
    issues.push({
      type: "string_too_long",
      loc: [...loc],
      msg: `String should have at most ${MAX_DISPLAY_NAME_LENGTH} characters (Exchange's display name limit); ` +
        `it has ${displayName.length}`
    })
  }
  const alias = aliasFromName(name)
  if (alias.length === 0) {
    issues.push({
      type: "value_error",
      loc: [...loc],
      msg: "Value error, name must contain at least one letter or digit that can be written in ASCII, " +
        "to build the list's alias and email address"
    })
  } else if (alias.length > MAX_ALIAS_LENGTH) {
    issues.push({
      type: "string_too_long",
      loc: [...loc],
      msg: `Name is too long: its alias '${alias.slice(0, 20)}…' would have ${alias.length} characters, ` +
        `and Exchange allows at most ${MAX_ALIAS_LENGTH}`
    })
  }
  return issues
}
