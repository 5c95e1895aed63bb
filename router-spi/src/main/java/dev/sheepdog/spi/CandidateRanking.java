package dev.sheepdog.spi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Scratch space for ordering candidates by keys computed once per candidate: a tool for {@link
 * SelectionStrategy} implementations that must allocate nothing but the plan they return.
 *
 * <p>A strategy runs on every request and should allocate nothing but the plan it returns, so each
 * thread reuses one instance: a plan fills it, sorts it and copies the order into a fresh list.
 * Nothing a plan calls while it holds the scratch plans again, so one per thread is enough. Keys
 * are computed before sorting because a health view may change between two reads, and an order
 * built from values that moved halfway through would be meaningless.
 *
 * <p>The sort is an insertion sort: catalogs hold 6 to 20 models, where it beats anything clever,
 * and it is stable, so equal keys keep catalog order and plans are reproducible.
 */
public final class CandidateRanking {
  private static final ThreadLocal<CandidateRanking> PER_THREAD = ThreadLocal.withInitial(CandidateRanking::new);

  private Candidate[] candidates = new Candidate[16];
  private long[] primary = new long[16];
  private long[] secondary = new long[16];
  private boolean[] setAside = new boolean[16];
  private int size;

  private CandidateRanking() {}

  /** This thread's scratch, emptied. */
  public static CandidateRanking forCurrentThread() {
    CandidateRanking ranking = PER_THREAD.get();
    ranking.clear();
    return ranking;
  }

  /**
   * Adds a candidate ranked by {@code primaryKey}, then {@code secondaryKey}, lower first; a candidate
   * {@code setAside} is left out of the plan unless the plan asks for all of them.
   */
  public void add(Candidate candidate, long primaryKey, long secondaryKey, boolean setAside) {
    if (size == candidates.length) {
      int grown = size * 2;
      candidates = Arrays.copyOf(candidates, grown);
      primary = Arrays.copyOf(primary, grown);
      secondary = Arrays.copyOf(secondary, grown);
      this.setAside = Arrays.copyOf(this.setAside, grown);
    }
    candidates[size] = candidate;
    primary[size] = primaryKey;
    secondary[size] = secondaryKey;
    this.setAside[size] = setAside;
    size++;
  }

  public int size() {
    return size;
  }

  public Candidate get(int index) {
    return candidates[index];
  }

  public void sort() {
    for (int i = 1; i < size; i++) {
      Candidate c = candidates[i];
      long p = primary[i];
      long s = secondary[i];
      boolean a = setAside[i];
      int j = i - 1;
      while (j >= 0 && (primary[j] > p || (primary[j] == p && secondary[j] > s))) {
        candidates[j + 1] = candidates[j];
        primary[j + 1] = primary[j];
        secondary[j + 1] = secondary[j];
        setAside[j + 1] = setAside[j];
        j--;
      }
      candidates[j + 1] = c;
      primary[j + 1] = p;
      secondary[j + 1] = s;
      setAside[j + 1] = a;
    }
  }

  /** The candidates in their current order, leaving out those set aside unless {@code all}. */
  public List<Candidate> toPlan(boolean all) {
    List<Candidate> plan = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      if (all || !setAside[i]) {
        plan.add(candidates[i]);
      }
    }
    return plan;
  }

  /** Drops the references so a finished plan does not keep candidates reachable. */
  public void clear() {
    Arrays.fill(candidates, 0, size, null);
    size = 0;
  }
}
