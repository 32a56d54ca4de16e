// Default texts of new catalog entities when the config gives none: a variable's description from its CF attributes.

/** The CF attributes a default variable description is made of. */
export interface CfTextAttrs {
  long_name?: unknown;
  standard_name?: unknown;
  units?: unknown;
}

function text(v: unknown): string | undefined {
  return typeof v === "string" && v.trim().length > 0 ? v.trim() : undefined;
}

/**
 * A variable description from its CF attributes: the long_name (first letter upper-cased) followed by the
 * standard_name and units in parentheses, e.g. "Analysed sea surface temperature
 * (sea_surface_foundation_temperature, kelvin)". The units argument, when given, replaces the attribute
 * (the config's `variables.<name>.units`). A dimensionless unit ("1") is left out.
 * @returns undefined when there is no long_name.
 */
export function cfDescription(attrs: CfTextAttrs, units?: string): string | undefined {
  const longName = text(attrs.long_name);
  if (!longName) return undefined;
  const u = text(units) ?? text(attrs.units);
  const extra = [text(attrs.standard_name), u === "1" ? undefined : u].filter((x): x is string => x !== undefined);
  const head = longName.charAt(0).toUpperCase() + longName.slice(1);
  return extra.length > 0 ? `${head} (${extra.join(", ")})` : head;
}
