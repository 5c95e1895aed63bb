package dev.sheepdog.core;

/**
 * What the router does when every model of a plan has an open circuit. Never what the tutorial
 * did — force-close them all and send a thundering herd into dead models.
 */
public enum AllOpenPolicy {
  /** Fail at once, saying when the first circuit half-opens. The default. */
  FAIL_FAST,
  /** Let one probe through to the model whose open window ends first. */
  PROBE_EARLIEST
}
