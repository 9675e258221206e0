export * from "./eu-vat-ids";
export * from "./eu-vat-rates";
export * from "./line-tax";
export * from "./tax-rules";
