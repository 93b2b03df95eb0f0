import slugify from "slugify"
import unidecode from "unidecode"
import type { InputIssue } from "./Errors.ts"
import { MAX_ALIAS_LENGTH, MAX_DISPLAY_NAME_LENGTH } from "./Limits.ts"

export { MAX_ALIAS_LENGTH, MAX_DISPLAY_NAME_LENGTH } from "./Limits.ts"

// slugify is only used for its transliteration table: removing nothing leaves the Exchange rules to us.
const KEEP_EVERYTHING = /(?!)/g
// As the seed's python-slugify (legacy pipeline, un33k/python-slugify slugify/slugify.py): an ASCII
// apostrophe separates ("Women's" → "women-s"); a typographic one, which unidecode turns into an ASCII
// one that is removed after transliteration, joins ("Women’s" → "womens"); a comma between digits goes
// ("1,000" → "1000"); every other symbol or punctuation mark separates, spelled out as nothing
// ("R&D" → "r-d", "50% Club" → "50-club"), unlike the JS slugify's table ("and", "percent").
const ASCII_APOSTROPHE = /'/g
const TYPOGRAPHIC_APOSTROPHES = /[\u2018\u2019\u02BC\u00B4]/g
const DIGIT_COMMA = /(?<=\d),(?=\d)/g
const SYMBOL = /[\p{S}\p{P}]/gu
// Symbols unidecode spells out, as it does ("€ Finance" → "eur-finance", "10°C" → "10degc"); other
// symbols separate words.
const SPELLED: Readonly<Record<string, string>> = {
  "€": "EUR", "£": "PS", "¥": "Y=", "¢": "C/", "§": "SS", "©": "(c)", "®": "(r)", "™": "TM", "°": "deg",
  "℃": "degC", "№": "No", "±": "+-", "×": "x", "÷": "/", "¶": "P", "\u00AD": ""
}
const SPELLED_SYMBOL = new RegExp(`[${Object.keys(SPELLED).join("")}]`, "g")
const MARKS = /\p{M}/gu
const NON_ASCII = /[^\x00-\x7f]/g
// unidecode turns some letters into an apostrophe (a soft sign, an ayin); python-slugify removes those.
const GENERATED_QUOTE = /'/g
const SEPARATORS = /[^a-z0-9]+/g
const EDGE_HYPHENS = /^-+|-+$/g

/**
 * The Exchange alias (and Name) generated from a display name.
 *
 * Transliterates to ASCII ("Équipe Ventes Süd" → "equipe-ventes-sud") and joins words with single
 * hyphens, symbols and punctuation separating them ("  R&D -- Ops!! " → "r-d-ops"), as python-slugify.
 * The result only holds `[a-z0-9-]`, a subset of Exchange's alias characters, with no hyphen at
 * either end and no dots at all, like the seed's python-slugify. It may be empty or longer than
 * 64 characters: `nameIssues` reports both, nothing is truncated.
 */
export const aliasFromName = (name: string): string => {
  const spaced = name.normalize("NFC").replace(ASCII_APOSTROPHE, " ").replace(TYPOGRAPHIC_APOSTROPHES, "")
    .replace(DIGIT_COMMA, "").replace(SPELLED_SYMBOL, (symbol) => SPELLED[symbol]!).replace(SYMBOL, " ")
  const transliterated = slugify(spaced, { remove: KEEP_EVERYTHING, trim: false })
  // Letters slugify does not know fall back to their compatibility decomposition ("ǅ", "ﬁ"), then to
  // unidecode, the tables python-slugify transliterates with ("日本語" → "Ri Ben Yu", "Ħ" → "H").
  // One character at a time: unidecode's own matching skips a Latin-1 letter followed by a symbol.
  const ascii = transliterated.normalize("NFKD").replace(MARKS, "")
    .replace(NON_ASCII, (character) => unidecode(character)).replace(GENERATED_QUOTE, "").toLowerCase()
  return ascii.replace(SEPARATORS, "-").replace(EDGE_HYPHENS, "")
}

// A line break, tab or other control character inside a display name would be stored as sent and reach
// every address book and client that shows the list.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/

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
