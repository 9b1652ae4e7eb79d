/** How many names a message lists before it says how many more there are. */
export const NAMES_SHOWN = 12;

/**
 * Names joined for a one-line message: at most `shown` of them, then "and N more" (an inventory of 20 000 hosts
 * must not make one diagnostic line megabytes long).
 */
export function nameList(names: readonly string[], shown = NAMES_SHOWN): string {
  if (names.length <= shown) return names.join(', ');
  return `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;
}
