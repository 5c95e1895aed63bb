package dev.sheepdog.adapter.sandbox;

import java.util.random.RandomGenerator;

/**
 * A profile's latency distribution: a lognormal body and, for a small share of calls, a
 * Pareto-distributed slow-down factor (minimum 2, shape 2.5, capped at 20).
 *
 * <p>The body is fitted so that the mixture has the profile's mean exactly and, to within a few
 * percent, its 95th percentile: the tail is assumed to lie above the 95th percentile, so the
 * body's quantile at {@code 0.95 / (1 - tail)} is set to the target.
 */
final class LatencyModel {
  static final double TAIL_MIN_FACTOR = 2;
  static final double TAIL_SHAPE = 2.5;
  static final double TAIL_MAX_FACTOR = 20;

  private final double mu;
  private final double sigma;
  private final double tailProbability;

  private LatencyModel(double mu, double sigma, double tailProbability) {
    this.mu = mu;
    this.sigma = sigma;
    this.tailProbability = tailProbability;
  }

  static LatencyModel fit(SandboxProfile profile) {
    double p = profile.tailProbability();
    double mean = profile.meanLatency().toNanos();
    double p95 = profile.p95Latency().toNanos();
    double bodyMean = mean / (1 + p * (meanTailFactor() - 1));
    double z = inverseNormal(0.95 / (1 - p));
    double logRatio = Math.log(p95 / bodyMean);
    double discriminant = z * z - 2 * logRatio;
    // the smaller root of s^2/2 - z s + ln(p95/mean) = 0; the larger one puts the mode far below the mean
    double sigma = discriminant <= 0 ? z : z - Math.sqrt(discriminant);
    double mu = Math.log(bodyMean) - sigma * sigma / 2;
    return new LatencyModel(mu, sigma, p);
  }

  /** One latency in nanoseconds. Always draws the same number of values, so streams stay aligned. */
  long sampleNanos(RandomGenerator random) {
    // Box-Muller from two uniforms: nextGaussian() may draw a varying number of values
    double gaussian = Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    double tailDraw = random.nextDouble();
    double paretoDraw = random.nextDouble();
    double latency = Math.exp(mu + sigma * gaussian);
    if (tailDraw < tailProbability) {
      double factor = TAIL_MIN_FACTOR / Math.pow(1 - paretoDraw, 1 / TAIL_SHAPE);
      latency *= Math.min(factor, TAIL_MAX_FACTOR);
    }
    return Math.round(latency);
  }

  /** E[min(F, cap)] for F ~ Pareto(min 2, shape 2.5). */
  static double meanTailFactor() {
    double xm = TAIL_MIN_FACTOR;
    double a = TAIL_SHAPE;
    return xm + xm / (a - 1) * (1 - Math.pow(xm / TAIL_MAX_FACTOR, a - 1));
  }

  /** The standard normal quantile, by Acklam's rational approximation (relative error below 1.2e-9). */
  static double inverseNormal(double p) {
    if (!(p > 0 && p < 1)) {
      throw new IllegalArgumentException("probability must be in (0, 1), was " + p);
    }
    double[] a = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
        -3.066479806614716e+01, 2.506628277459239e+00};
    double[] b = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
        -1.328068155288572e+01};
    double[] c = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
        4.374664141464968e+00, 2.938163982698783e+00};
    double[] d = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
    double low = 0.02425;
    if (p < low) {
      double q = Math.sqrt(-2 * Math.log(p));
      return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
          / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    if (p > 1 - low) {
      double q = Math.sqrt(-2 * Math.log(1 - p));
      return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
          / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    double q = p - 0.5;
    double r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
        / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
}
