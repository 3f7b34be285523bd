package io.sslfarm.bench.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One virtual user's cookies (RFC 6265 §5.2, simplified to one origin): name=value pairs from Set-Cookie, removed on
 * Max-Age &lt;= 0. Not thread-safe: each user owns one.
 */
public final class CookieJar {

    private final Map<String, String> cookies = new LinkedHashMap<>();

    public void store(List<String> setCookieHeaders) {
        for (String h : setCookieHeaders) {
            String[] attrs = h.split(";");
            int eq = attrs[0].indexOf('=');
            if (eq <= 0) continue;
            String name = attrs[0].substring(0, eq).trim();
            String value = attrs[0].substring(eq + 1).trim();
            boolean expired = false;
            for (int i = 1; i < attrs.length; i++) {
                String a = attrs[i].trim().toLowerCase(Locale.ROOT);
                if (a.startsWith("max-age=")) {
                    try {
                        expired = Long.parseLong(a.substring(8).trim()) <= 0;
                    } catch (NumberFormatException ignored) {
                        // RFC 6265 §5.2.2: ignore an unparsable Max-Age
                    }
                }
            }
            if (expired) cookies.remove(name);
            else cookies.put(name, value);
        }
    }

    /** The Cookie header value, or null when empty. */
    public String header() {
        if (cookies.isEmpty()) return null;
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : cookies.entrySet()) {
            if (sb.length() > 0) sb.append("; ");
            sb.append(e.getKey()).append('=').append(e.getValue());
        }
        return sb.toString();
    }

    public Map<String, String> asMap() {
        return Map.copyOf(cookies);
    }
}
