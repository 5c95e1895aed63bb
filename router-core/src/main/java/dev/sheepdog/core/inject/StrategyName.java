package dev.sheepdog.core.inject;

import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.METHOD;
import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import com.google.inject.BindingAnnotation;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;

/**
 * Qualifies the {@code String} that names the router's selection strategy: a name bound in the
 * strategy {@code MapBinder} ({@code route-table}, {@code cost}, {@code latency}, …) or several
 * joined by {@code +}, composed left to right ({@code latency-tier+cost}).
 */
@BindingAnnotation
@Target({FIELD, PARAMETER, METHOD})
@Retention(RUNTIME)
public @interface StrategyName {}
