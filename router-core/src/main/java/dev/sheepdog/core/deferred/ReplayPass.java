package dev.sheepdog.core.deferred;

/**
 * What one replay pass did.
 *
 * @param replayed entries this pass replayed
 * @param delivered of those, how many answered
 * @param failed of those, how many failed and wait for another replay
 * @param deadLettered of those, how many failed for the last time
 */
public record ReplayPass(int replayed, int delivered, int failed, int deadLettered) {
  public ReplayPass {
    if (replayed != delivered + failed + deadLettered) {
      throw new IllegalArgumentException("replayed " + replayed + " must equal delivered + failed + dead-lettered");
    }
  }
}
