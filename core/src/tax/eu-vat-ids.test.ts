import { describe, expect, it } from "vitest";
import { checkEuVatId, normalizeEuVatId } from "./eu-vat-ids";
import { EU_MEMBER_STATES } from "./eu-vat-rates";

// Per member state: its ISO code, a well-formed id, and ids that are not.
const IDS: [country: string, valid: string, malformed: string[]][] = [
  ["AT", "ATU12345678", ["AT12345678", "ATU1234567"]],
  ["BE", "BE0123456789", ["BE2123456789", "BE123456789"]],
  ["BG", "BG1234567890", ["BG12345678", "BG12345678901"]],
  ["CY", "CY12345678L", ["CY123456789", "CY1234567L"]],
  ["CZ", "CZ1234567890", ["CZ1234567", "CZ12345678901"]],
  ["DE", "DE123456789", ["DE12345678", "DE1234567890", "DEA23456789"]],
  ["DK", "DK12345678", ["DK1234567"]],
  ["EE", "EE123456789", ["EE12345678"]],
  ["GR", "EL123456789", ["EL12345678"]],
  ["ES", "ESX1234567L", ["ESX123456L", "ESX12345678L"]],
  ["FI", "FI12345678", ["FI123456789"]],
  ["FR", "FRXY123456789", ["FRIO123456789", "FR1234567890"]],
  ["HR", "HR12345678901", ["HR1234567890"]],
  ["HU", "HU12345678", ["HU123456789"]],
  ["IE", "IE1234567T", ["IE12345678", "IE1234567ABC"]],
  ["IT", "IT12345678901", ["IT1234567890"]],
  ["LT", "LT123456789012", ["LT1234567890"]],
  ["LU", "LU12345678", ["LU1234567"]],
  ["LV", "LV12345678901", ["LV123456789012"]],
  ["MT", "MT12345678", ["MT123456789"]],
  ["NL", "NL123456789B01", ["NL123456789", "NL123456789A01"]],
  ["PL", "PL1234567890", ["PL123456789"]],
  ["PT", "PT123456789", ["PT12345678"]],
  ["RO", "RO12", ["RO1", "RO0123456789", "RO12345678901"]],
  ["SE", "SE123456789001", ["SE123456789002", "SE1234567890"]],
  ["SI", "SI12345678", ["SI123456789"]],
  ["SK", "SK1234567890", ["SK123456789"]],
];

describe("EU VAT id formats", () => {
  it("covers every member state", () => {
    expect(IDS.map(([country]) => country).sort()).toEqual([...EU_MEMBER_STATES].sort());
  });

  it.each(IDS)("accepts a well-formed id of %s (%s)", (country, valid) => {
    expect(checkEuVatId(valid)).toEqual({ ok: true, value: valid, country });
  });

  it.each(IDS.flatMap(([country, _valid, malformed]) => malformed.map((id) => [country, id] as const)))(
    "rejects a malformed id of %s (%s), naming the format",
    (_country, id) => {
      const check = checkEuVatId(id);
      expect(check.ok).toBe(false);
      if (!check.ok) expect(check.expected).toMatch(new RegExp(`^an? \\w+ VAT number: ${id.slice(0, 2)} followed by`));
    },
  );

  it("accepts the other Irish form and the other lengths of a country with several", () => {
    expect(checkEuVatId("IE1A23456B").ok).toBe(true);
    expect(checkEuVatId("IE1+23456B").ok).toBe(true);
    expect(checkEuVatId("IE1234567WA").ok).toBe(true);
    expect(checkEuVatId("BG123456789").ok).toBe(true);
    expect(checkEuVatId("LT123456789").ok).toBe(true);
    expect(checkEuVatId("RO1234567890").ok).toBe(true);
    expect(checkEuVatId("ES12345678Z").ok).toBe(true);
  });

  it("normalizes case, spaces, dots and hyphens", () => {
    expect(normalizeEuVatId("de 123.456-789")).toBe("DE123456789");
    expect(checkEuVatId(" nl 1234.56789-b01 ")).toEqual({ ok: true, value: "NL123456789B01", country: "NL" });
  });

  it("says what a German id looks like", () => {
    expect(checkEuVatId("DE12345")).toEqual({
      ok: false,
      expected: "a German VAT number: DE followed by 9 digits, such as DE123456789",
    });
  });

  it("tells that Greek ids use EL, not GR", () => {
    expect(checkEuVatId("GR123456789")).toEqual({
      ok: false,
      expected: "a Greek VAT number with the prefix EL, not GR: EL followed by 9 digits, such as EL123456789",
    });
  });

  it.each(["XI123456789", "GB123456789", "US123", "123456789", ""])(
    "lists the member states' prefixes for an unknown prefix (%s)",
    (id) => {
      const check = checkEuVatId(id);
      expect(check.ok).toBe(false);
      if (!check.ok) {
        expect(check.expected).toMatch(/^an EU VAT number: a member state's prefix \(AT, BE, .*EL for Greece, .*SK\)/);
        expect(check.expected).toMatch(/followed by its national number, such as DE123456789$/);
      }
    },
  );
});
