package io.sslfarm.edge.upstream;

/** An upstream eligible for new connections with the weight it had when the selector snapshot was built. */
public record Candidate(Upstream upstream, int weight) {

  public Candidate {
    if (weight <= 0) {
      throw new IllegalArgumentException("a candidate needs a weight above 0: " + upstream);
    }
  }
}
