package io.sslfarm.net;

import io.sslfarm.config.ConfigException;
import io.sslfarm.config.ConfigType;
import io.sslfarm.config.ConfigTypes;
import io.sslfarm.net.AccessRule.Action;
import io.sslfarm.net.internal.IpAddresses;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An ordered access list with cloud security-group semantics: rules are tried in order, the <b>first</b> rule whose range
 * contains the source decides, and a source no rule matches gets the default action. So
 * {@code [deny 10.1.0.0/16, allow 10.0.0.0/8]} with default deny admits 10.2.3.4 and blocks 10.1.2.3, and reversing the
 * two rules admits both. Immutable and thread-safe; {@link #decide} does not allocate.
 */
public final class AccessRules {

  /** A {@link ConfigType} for one rule (string or mapping); declare a list key with {@code listOf(RULE_TYPE)}. */
  public static final ConfigType<AccessRule> RULE_TYPE = AccessRule.TYPE;

  /** A {@link ConfigType} for the rule list. */
  public static final ConfigType<List<AccessRule>> RULES_TYPE = ConfigTypes.listOf(AccessRule.TYPE);

  /** Admits everyone (no rules, default allow). */
  public static final AccessRules ALLOW_ALL = new AccessRules(List.of(), Action.ALLOW);

  /**
   * The outcome for one source.
   *
   * @param action    allow or deny
   * @param ruleIndex the index of the matching rule, or -1 when the default action applied (for a metric tag)
   */
  public record Decision(Action action, int ruleIndex) {

    public boolean allowed() {
      return action == Action.ALLOW;
    }

    public boolean isDefault() {
      return ruleIndex < 0;
    }

    /** {@code "0"}, {@code "1"}, ... or {@code "default"}: a bounded metric tag value. */
    public String ruleTag() {
      return ruleIndex < 0 ? "default" : Integer.toString(ruleIndex);
    }
  }

  private final List<AccessRule> rules;
  private final Action defaultAction;
  private final Decision[] decisions;
  private final Decision defaultDecision;

  private AccessRules(List<AccessRule> rules, Action defaultAction) {
    this.rules = List.copyOf(rules);
    this.defaultAction = Objects.requireNonNull(defaultAction, "defaultAction");
    this.decisions = new Decision[this.rules.size()];
    for (int i = 0; i < decisions.length; i++) {
      decisions[i] = new Decision(this.rules.get(i).action(), i);
    }
    this.defaultDecision = new Decision(defaultAction, -1);
  }

  public static AccessRules of(List<AccessRule> rules, Action defaultAction) {
    return new AccessRules(rules, defaultAction);
  }

  /**
   * Parses rule strings ({@code "allow 10.0.0.0/8"}).
   *
   * @throws IllegalArgumentException naming the failing index, e.g. {@code [1]: not a CIDR: ...}
   */
  public static AccessRules parse(List<String> rules, Action defaultAction) {
    List<AccessRule> out = new ArrayList<>(rules.size());
    for (int i = 0; i < rules.size(); i++) {
      try {
        out.add(AccessRule.parse(rules.get(i)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("[" + i + "]: " + e.getMessage().replaceFirst("^rule: ", ""), e);
      }
    }
    return new AccessRules(out, defaultAction);
  }

  /**
   * Parses a raw configuration value — a YAML list whose items are rule strings or {@code {action, cidr}} mappings.
   *
   * @param key the key path, e.g. {@code edge.acl}
   * @throws ConfigException naming the failing item and field, e.g. {@code edge.acl[2].cidr: not a CIDR: ...}
   */
  public static AccessRules parse(String key, Object raw, Action defaultAction) {
    return new AccessRules(RULES_TYPE.parse(key, raw), defaultAction);
  }

  /** The first matching rule's decision, or the default. */
  public Decision decide(InetAddress source) {
    if (source == null) {
      return defaultDecision;
    }
    byte[] a = IpAddresses.canonicalBytes(source);
    for (int i = 0; i < decisions.length; i++) {
      if (rules.get(i).range().containsBytes(a)) {
        return decisions[i];
      }
    }
    return defaultDecision;
  }

  /**
   * {@link #decide(InetAddress)} for a socket address; a non-IP or unresolved address gets the default action (fail
   * closed by configuring a deny default).
   */
  public Decision decide(SocketAddress source) {
    if (source instanceof InetSocketAddress isa && isa.getAddress() != null) {
      return decide(isa.getAddress());
    }
    return defaultDecision;
  }

  public boolean allows(InetAddress source) {
    return decide(source).allowed();
  }

  public boolean allows(SocketAddress source) {
    return decide(source).allowed();
  }

  public List<AccessRule> rules() {
    return rules;
  }

  public Action defaultAction() {
    return defaultAction;
  }

  @Override
  public String toString() {
    return "AccessRules" + rules + " default " + defaultAction.tag();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AccessRules r && r.rules.equals(rules) && r.defaultAction == defaultAction;
  }

  @Override
  public int hashCode() {
    return rules.hashCode() * 31 + defaultAction.hashCode();
  }
}
