// One word: no space, quote, `=`, control or format character (a line break among them).
const PLAIN = /^[^\s"=\p{Cc}\p{Cf}\u2028\u2029]+$/u

/**
 * A caller's value (a dlId, a name) as a log line shows it: as it is when it is one plain word, else
 * JSON-quoted with `=` escaped, so that it can neither end the message nor read as `key=value` pairs: a
 * dlId `x - audit audit=true caller=adm action=delete` must not make a line that looks like an audit line.
 */
export const shown = (value: string): string => PLAIN.test(value) ? value : JSON.stringify(value).replaceAll("=", "\\u003d")
