import * as Errors from "./ExchangeError.ts"
import type { ExchangeError } from "./ExchangeError.ts"
import type { MultiValue, ResultSize } from "./Invocation.ts"
import { DEFAULT_RESULT_SIZE } from "./Invocation.ts"

/** PowerShell common parameters, accepted by every cmdlet (spec §2.1: sent as strings, e.g. `"ErrorAction":"Stop"`). */
const COMMON = [
  "ErrorAction", "WarningAction", "InformationAction", "ErrorVariable", "WarningVariable",
  "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable", "Verbose", "Debug"
]

const GENERIC_HASHTABLE = "#Exchange.GenericHashTable"

/**
 * Binds a JSON `Parameters` object the way the cmdlet would: names case-insensitive, unknown names
 * rejected with the captured AmbiguousParameterSetException (spec §5.1), values converted per §2.1.
 * The first binding error is kept in `error`; getters then return undefined.
 */
export class Binder {
  error: ExchangeError | undefined
  private readonly values = new Map<string, { readonly name: string; readonly value: unknown }>()
  readonly cmdlet: string

  constructor(cmdlet: string, parameters: Readonly<Record<string, unknown>>, allowed: ReadonlyArray<string>) {
    this.cmdlet = cmdlet
    const known = new Set([...allowed, ...COMMON].map((name) => name.toLowerCase()))
    const unknown: Array<string> = []
    for (const [name, value] of Object.entries(parameters)) {
      if (name.includes("@")) continue // sibling annotations such as `Param@odata.type` (§2.1)
      if (known.has(name.toLowerCase())) this.values.set(name.toLowerCase(), { name, value })
      else unknown.push(name)
    }
    if (unknown.length > 0) this.error = Errors.unknownParameters(unknown)
  }

  has(name: string): boolean {
    return this.values.has(name.toLowerCase())
  }

  /** Parameters present and not in `modelled`, keyed by their documented spelling (stored as-is). */
  rest(modelled: ReadonlyArray<string>, allowed: ReadonlyArray<string>): Map<string, unknown> {
    const skip = new Set([...modelled, ...COMMON].map((name) => name.toLowerCase()))
    const out = new Map<string, unknown>()
    for (const name of allowed) {
      const entry = this.values.get(name.toLowerCase())
      if (entry !== undefined && !skip.has(name.toLowerCase())) out.set(name, entry.value)
    }
    return out
  }

  private fail(error: ExchangeError): undefined {
    this.error ??= error
    return undefined
  }

  private raw(name: string): unknown {
    return this.error === undefined ? this.values.get(name.toLowerCase())?.value : undefined
  }

  required(name: string): string | undefined {
    if (this.error === undefined && (this.raw(name) === undefined || this.raw(name) === null || this.raw(name) === "")) {
      return this.fail(Errors.missingParameter(this.cmdlet, name))
    }
    return this.string(name)
  }

  string(name: string): string | undefined {
    const value = this.raw(name)
    if (value === undefined || value === null) return undefined
    if (typeof value === "string") return value
    if (typeof value === "number" || typeof value === "boolean") return String(value)
    return this.fail(Errors.cannotConvert(name, "System.Object[]", "System.String", "Specified method is not supported."))
  }

  strings(name: string): ReadonlyArray<string> | undefined {
    const value = this.raw(name)
    if (value === undefined || value === null) return undefined
    if (typeof value === "string") return [value]
    if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value
    return this.fail(Errors.cannotConvert(name, describe(value), "System.String[]", "Specified method is not supported."))
  }

  /** Booleans and switches: `true`/`false`, also `"True"`/`"False"` (spec §2.1, S9). */
  boolean(name: string): boolean | undefined {
    const value = this.raw(name)
    if (value === undefined || value === null) return undefined
    if (typeof value === "boolean") return value
    if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true"
    if (value === 0 || value === 1) return value === 1
    return this.fail(Errors.cannotConvert(name, describe(value), "System.Boolean",
      "String was not recognized as a valid Boolean."))
  }

  enumeration<const T extends string>(name: string, type: string, names: ReadonlyArray<T>): T | undefined {
    const value = this.string(name)
    if (value === undefined) return undefined
    const match = names.find((n) => n.toLowerCase() === value.trim().toLowerCase())
    return match ?? this.fail(Errors.invalidEnum(name, value, type, names))
  }

  /** A replacing list, or `{"@odata.type":"#Exchange.GenericHashTable","Add":[...],"Remove":[...]}` (keys any case). */
  multiValue(name: string): MultiValue | undefined {
    const value = this.raw(name)
    if (value === undefined || value === null) return undefined
    if (typeof value === "object" && !Array.isArray(value)) {
      const table = value as Record<string, unknown>
      const type = table["@odata.type"]
      if (type !== undefined && type !== GENERIC_HASHTABLE) {
        return this.fail(Errors.cannotConvert(name, String(type), "Microsoft.Exchange.Data.MultiValuedProperty", "Unsupported hashtable type."))
      }
      const entry = (key: string) => Object.entries(table).find(([k]) => k.toLowerCase() === key)?.[1]
      const list = (v: unknown) => (v === undefined || v === null ? [] : Array.isArray(v) ? v.map(String) : [String(v)])
      return { _tag: "Delta", add: list(entry("add")), remove: list(entry("remove")) }
    }
    const values = this.strings(name)
    return values === undefined ? undefined : { _tag: "Replace", values }
  }

  /** `"Unlimited"` (any case) or a positive integer; default 1000 (spec §2.1, §6). */
  resultSize(): ResultSize {
    const value = this.raw("ResultSize")
    if (value === undefined || value === null) return DEFAULT_RESULT_SIZE
    if (typeof value === "string" && value.trim().toLowerCase() === "unlimited") return "Unlimited"
    const n = typeof value === "number" ? value : typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : NaN
    if (Number.isInteger(n) && n > 0) return n
    this.fail(Errors.cannotConvert("ResultSize", describe(value), "Microsoft.Exchange.Data.Unlimited`1[System.UInt32]",
      `"${describe(value)}" isn't a valid number or "Unlimited".`))
    return DEFAULT_RESULT_SIZE
  }
}

const describe = (value: unknown): string =>
  typeof value === "string" ? value : Array.isArray(value) ? "System.Object[]" : JSON.stringify(value) ?? String(value)
