package dev.sheepdog.gateway.demo;

import java.time.Duration;

/** Shows the demo while it runs: a live terminal view, or plain lines for logs and CI. */
interface DemoView {
  /** How often the view wants a snapshot. */
  Duration interval();

  /** Draws one snapshot. */
  void show(DemoSnapshot snapshot);

  /** Draws the last snapshot and leaves the terminal ready for the report. */
  void finish(DemoSnapshot last);
}
