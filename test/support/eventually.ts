/**
 * Polls until `check` passes, or throws its last failure after `ms`: for what another process
 * or instance learns on its next sync. It bounds a wait, it measures nothing.
 */
export async function eventually(
  check: () => Promise<void>,
  ms = 5000,
  every = 100,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, every));
    }
  }
}
