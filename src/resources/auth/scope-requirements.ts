/**
 * What an endpoint asks of an access token's scopes, and whether a token meets it. Pure, so the
 * guard, the OpenAPI document and the unit tests share one definition.
 *
 * Each `@Scopes(...)` or `@AnyScope(...)` (on a controller or a handler) adds one requirement;
 * a token must meet every requirement of the class and of the handler.
 */
export interface ScopeRequirement {
  /** `all`: every listed scope (Laravel Passport's `scopes`); `any`: at least one (`scope`). */
  mode: 'all' | 'any';
  scopes: string[];
}

/** The first requirement `granted` does not meet, or undefined when it meets them all. */
export function unmetRequirement(
  requirements: readonly ScopeRequirement[],
  granted: readonly string[],
): ScopeRequirement | undefined {
  const has = new Set(granted);
  return requirements.find((requirement) =>
    requirement.mode === 'all'
      ? !requirement.scopes.every((scope) => has.has(scope))
      : !requirement.scopes.some((scope) => has.has(scope)),
  );
}

/**
 * The scope sets that satisfy `requirements`, as OpenAPI security requirement alternatives
 * (OpenAPI 3 §4.8.30: the listed objects are alternatives, the scopes inside one all apply).
 * Every `all` scope goes into each alternative; each `any` requirement multiplies them.
 */
export function satisfyingScopeSets(requirements: readonly ScopeRequirement[]): string[][] {
  const always = requirements
    .filter((requirement) => requirement.mode === 'all')
    .flatMap((requirement) => requirement.scopes);
  let sets: string[][] = [unique(always)];
  for (const requirement of requirements.filter(({ mode }) => mode === 'any')) {
    sets = sets.flatMap((set) => requirement.scopes.map((scope) => unique([...set, scope])));
  }
  return sets;
}

function unique(scopes: string[]): string[] {
  return [...new Set(scopes)];
}
