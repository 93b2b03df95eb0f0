import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { aliasFromName, MAX_ALIAS_LENGTH, MAX_DISPLAY_NAME_LENGTH, nameIssues } from "../../src/domain/Alias.ts"
import { isEmail, primaryAddress } from "../../src/domain/Email.ts"

// Exchange's alias characters (New-DistributionGroup.md, -Alias), minus the escaped and Unicode ones.
const EXCHANGE_ALIAS = /^[A-Za-z0-9!#%*+\-/=?^_~.]+$/

// Names as people type them: words, accents, symbols, other scripts, odd spacing.
const nameArb = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 80 }),
  fc.string({ unit: fc.constantFrom(..."aÉü ß-._&'!?%()Ωж营 \t"), maxLength: 40 }),
  fc.string({ maxLength: 80 })
)

describe("aliasFromName", () => {
  it("slugifies with transliteration", () => {
    assert.strictEqual(aliasFromName("Marketing Team"), "marketing-team")
    assert.strictEqual(aliasFromName("Équipe Ventes Süd"), "equipe-ventes-sud")
    assert.strictEqual(aliasFromName("Æsir Straße"), "aesir-strasse")
    assert.strictEqual(aliasFromName("ǅemal ﬁnance"), "dzemal-finance")
  })

  it("spells out '&', drops apostrophes and collapses separators", () => {
    // as python-slugify, the seed's: symbols separate and are not spelled out
    assert.strictEqual(aliasFromName("  R&D -- Ops!! "), "r-d-ops")
    assert.strictEqual(aliasFromName("Sales & Marketing"), "sales-marketing")
    assert.strictEqual(aliasFromName("Women’s Network"), "womens-network")
    assert.strictEqual(aliasFromName("Women's Network"), "women-s-network")
    assert.strictEqual(aliasFromName("50% Club"), "50-club")
    assert.strictEqual(aliasFromName("1,000 Club, 2 Teams"), "1000-club-2-teams")
    // symbols unidecode spells out (python3-slugify 4.0.0)
    assert.strictEqual(aliasFromName("€ Finance"), "eur-finance")
    assert.strictEqual(aliasFromName("10°C Club ©"), "10degc-club-c")
    assert.strictEqual(aliasFromName("Brand™ £ Team"), "brandtm-ps-team")
    assert.strictEqual(aliasFromName("℃ Lab № 5"), "degc-lab-no-5")
    assert.strictEqual(aliasFromName("Coffee\u00ADhouse"), "coffeehouse")
    assert.strictEqual(aliasFromName("Sales.EMEA_team..x"), "sales-emea-team-x")
    assert.strictEqual(aliasFromName("--a---b--"), "a-b")
  })

  it("gives what the seed's python-slugify gives, in every script, HTML entities decoded", () => {
    // expected: python-slugify 9.0.0 with text-unidecode 1.3 (what the seed's `pip install` brings), run on
    // these names; scripts/python-slugify-tables.py says how the tables were made
    const seed: ReadonlyArray<readonly [string, string]> = [
      ["日本語チーム", "ri-ben-yu-timu"], ["影師嗎", "ying-shi-ma"], ["한국 팀", "hangug-tim"],
      ["हिंदी टीम", "hindii-ttiim"], ["ทีมขาย", "thiimkhaay"], ["צוות שיווק", "tsvvt-shyvvq"],
      ["فريق المبيعات", "fryq-lmby-t"], ["Щука Жёлтый Ёж", "shchuka-zheltyi-ezh"], ["Компьютер", "kompiuter"],
      ["Українська ї є", "ukrainska-i-ie"], ["Ελλάδα Θ Χ Ψ", "ellada-th-kh-ps"], ["Đội bán hàng", "doi-ban-hang"],
      ["Bakı Ədliyyə", "baki-dliyy"], ["Ħal Ŋ Team", "hal-ng-team"], ["Ⓐ Team", "a-team"],
      ["₩ Korea Desk", "w-korea-desk"], ["元朗", "yuan-lang"], ["Café ☕ Lovers", "cafe-lovers"],
      ["foo &amp; bar", "foo-bar"], ["caf&eacute;", "cafe"], ["&#381;ivot", "z-ivot"], ["&#x17D;ivot", "z-ivot"],
      ["C'est déjà l'été.", "c-est-deja-l-ete"], ["1,000 reasons you are #1", "1000-reasons-you-are-1"]
    ]
    for (const [name, alias] of seed) assert.strictEqual(aliasFromName(name), alias, name)
  })

  it("is empty when nothing can be written in ASCII", () => {
    assert.strictEqual(aliasFromName("☕ 🚀"), "")
    assert.strictEqual(aliasFromName(" !!! "), "")
  })

  it("does not truncate", () => {
    assert.strictEqual(aliasFromName("x".repeat(100)).length, 100)
  })

  it("always yields a lower-case Exchange alias, hyphens only between letters or digits", () => {
    fc.assert(
      fc.property(nameArb, (name) => {
        const alias = aliasFromName(name)
        assert.match(alias, /^(?:[a-z0-9]+(?:-[a-z0-9]+)*)?$/)
        if (alias.length > 0) {
          assert.match(alias, EXCHANGE_ALIAS)
          assert.notMatch(alias, /^\.|\.$|\.\./)
          assert.isTrue(isEmail(primaryAddress(alias, "contoso.example")))
        }
      }),
      { numRuns: 500 }
    )
  })

  it("is idempotent", () => {
    fc.assert(
      fc.property(nameArb, (name) => {
        const alias = aliasFromName(name)
        assert.strictEqual(aliasFromName(alias), alias)
      }),
      { numRuns: 500 }
    )
  })

  it("ignores case and surrounding space", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(..."abcXYZ -1"), maxLength: 30 }), (name) => {
        assert.strictEqual(aliasFromName(` ${name.toUpperCase()}  `), aliasFromName(name))
      })
    )
  })
})

describe("nameIssues", () => {
  const loc = ["name"] as const

  it("accepts a usable name", () => {
    assert.deepStrictEqual(nameIssues("Marketing Team", loc), [])
    assert.deepStrictEqual(nameIssues("a".repeat(MAX_ALIAS_LENGTH), loc), [])
  })

  it("rejects a blank name, once", () => {
    for (const name of ["", "   ", "\t\n"]) {
      const issues = nameIssues(name, loc)
      assert.strictEqual(issues.length, 1)
      assert.strictEqual(issues[0]?.type, "value_error")
      assert.deepStrictEqual(issues[0]?.loc, ["name"])
      assert.include(issues[0]?.msg, "blank")
    }
  })

  it("rejects a line break, tab or other control character inside a name; surrounding whitespace is trimmed", () => {
    for (const name of ["new\nline", "tab\there", "bell\u0007", "sep\u2028arator", "c1\u0085", "Sales\u202emaet", "iso\u2066late\u2069"]) {
      const issues = nameIssues(name, loc)
      assert.deepStrictEqual(issues.map((issue) => [issue.type, issue.loc]), [["value_error", ["name"]]], JSON.stringify(name))
      assert.include(issues[0]?.msg, "control characters")
    }
    assert.deepStrictEqual(nameIssues("  Sales Team\n", loc), [])
    // right-to-left text is a name like any other
    assert.deepStrictEqual(nameIssues("فريق المبيعات Sales \u200fTeam", loc), [])
  })

  it("rejects a name without a usable character", () => {
    const issues = nameIssues("☕ !!", ["body", "name"])
    assert.deepStrictEqual(issues.map((issue) => [issue.type, issue.loc]), [["value_error", ["body", "name"]]])
  })

  it("rejects an alias over 64 characters and names the limit", () => {
    const issues = nameIssues("a".repeat(MAX_ALIAS_LENGTH + 1), loc)
    assert.strictEqual(issues.length, 1)
    assert.strictEqual(issues[0]?.type, "string_too_long")
    assert.include(issues[0]?.msg, "64")
    // Transliteration lengthens: 32 "Æ" are 64 letters of alias, 33 are too many.
    assert.deepStrictEqual(nameIssues("Æ".repeat(32), loc), [])
    assert.strictEqual(nameIssues("Æ".repeat(33), loc).length, 1)
  })

  it("rejects a display name over 256 characters, besides its alias", () => {
    const issues = nameIssues("ab ".repeat(90), loc)
    assert.deepStrictEqual(issues.map((issue) => issue.type), ["string_too_long", "string_too_long"])
    assert.include(issues[0]?.msg, String(MAX_DISPLAY_NAME_LENGTH))
    const longButSlim = "☕".repeat(MAX_DISPLAY_NAME_LENGTH) + "x"
    assert.deepStrictEqual(nameIssues(longButSlim, loc).map((issue) => issue.type), ["string_too_long"])
  })

  it("reports issues exactly when the alias or display name breaks a rule", () => {
    fc.assert(
      fc.property(nameArb, (name) => {
        const alias = aliasFromName(name)
        const ok = name.trim().length > 0 && name.trim().length <= MAX_DISPLAY_NAME_LENGTH &&
          alias.length > 0 && alias.length <= MAX_ALIAS_LENGTH &&
          // eslint-disable-next-line no-control-regex
          !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name.trim())
        assert.strictEqual(nameIssues(name, loc).length === 0, ok)
      }),
      { numRuns: 300 }
    )
  })
})
