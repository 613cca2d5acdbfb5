package dev.podidentity.local.gateway;

import dev.podidentity.api.Route;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Finds the API Gateway resource and method a request path reaches, as a REST API does:
 * <ul>
 *   <li>the path is percent-decoded once before matching, so an encoded slash ({@code %2F}) separates segments just
 *   like a raw one: {@code /clusters/a%2Fb/...} is not a match for {@code /clusters/{name}/...};</li>
 *   <li>{@code {label}} matches one non-empty segment; a greedy {@code {label+}} (last part only) matches one or more;</li>
 *   <li>the most specific resource wins, segment by segment: a literal before {@code {label}} before
 *   {@code {label+}}; if that resource has no such method there is no match (API Gateway answers 403
 *   "Missing Authentication Token" for both);</li>
 *   <li>path parameters carry the matched part of the path as received (still percent-encoded where the client
 *   encoded it), as REST APIs deliver them; handlers decode them once.</li>
 * </ul>
 * The route table is checked against API Gateway's deployment rules when the matcher is built: a greedy variable
 * only as the last part, and at most one variable child per resource (so never {@code {a}} beside {@code {a+}}).
 */
final class ResourceMatcher<R> {
    /** A route reached, with its path parameters (raw, as API Gateway's REST proxy event has them). */
    record Match<R>(R route, Map<String, String> pathParameters) {
    }

    /** What matching needs of a route: a name for messages, its method and its path template. */
    record Resource(String name, String method, String pathTemplate) {
        List<String> segments() {
            return List.of(pathTemplate.substring(1).split("/", -1));
        }
    }

    private final List<R> routes;
    private final Function<R, Resource> resource;

    ResourceMatcher(List<R> routes, Function<R, Resource> resource) {
        validate(routes.stream().map(resource).toList());
        this.routes = List.copyOf(routes);
        this.resource = resource;
    }

    /** A matcher over the service's route table. */
    static ResourceMatcher<Route> of(List<Route> routes) {
        return new ResourceMatcher<>(routes, r -> new Resource(r.operation(), r.method(), r.pathTemplate()));
    }

    /** The route for this method and raw (still encoded) path, or null when API Gateway would match none. */
    Match<R> match(String method, String rawPath) {
        if (rawPath == null || !rawPath.startsWith("/")) {
            return null;
        }
        List<Segment> segments = segments(rawPath);
        String bestTemplate = null;
        int[] bestRank = null;
        Map<String, String> bestParams = null;
        Set<String> tried = new HashSet<>();
        for (R route : routes) {
            Resource r = resource.apply(route);
            if (!tried.add(r.pathTemplate())) {
                continue;
            }
            List<String> template = r.segments();
            Map<String, String> params = new LinkedHashMap<>();
            int[] rank = rank(template, segments, rawPath, params);
            if (rank != null && (bestRank == null || compare(rank, bestRank) > 0)) {
                bestTemplate = r.pathTemplate();
                bestRank = rank;
                bestParams = params;
            }
        }
        if (bestTemplate == null) {
            return null;
        }
        for (R route : routes) {
            Resource r = resource.apply(route);
            if (r.pathTemplate().equals(bestTemplate) && r.method().equals(method)) {
                return new Match<>(route, bestParams);
            }
        }
        return null;
    }

    /** One path segment: its decoded text and where its raw text starts and ends in the raw path. */
    private record Segment(String decoded, int rawStart, int rawEnd) {
    }

    /**
     * Splits the raw path after its leading '/' at raw slashes and at encoded ones ({@code %2F}, {@code %2f}), which is
     * where the once-decoded path has its slashes.
     */
    private static List<Segment> segments(String rawPath) {
        List<Segment> out = new ArrayList<>();
        int start = 1;
        int i = 1;
        while (i <= rawPath.length()) {
            int separator = separatorAt(rawPath, i);
            if (i == rawPath.length() || separator > 0) {
                out.add(new Segment(decode(rawPath.substring(start, i)), start, i));
                if (i == rawPath.length()) {
                    break;
                }
                i += separator;
                start = i;
            } else {
                i++;
            }
        }
        return out;
    }

    /** 1 for a raw '/', 3 for an encoded one, 0 when there is no separator at {@code i}. */
    private static int separatorAt(String s, int i) {
        if (i >= s.length()) {
            return 0;
        }
        if (s.charAt(i) == '/') {
            return 1;
        }
        if (s.charAt(i) == '%' && i + 2 < s.length() && s.charAt(i + 1) == '2'
                && (s.charAt(i + 2) == 'F' || s.charAt(i + 2) == 'f')) {
            return 3;
        }
        return 0;
    }

    /**
     * How specifically {@code template} matches: one entry per template part (2 literal, 1 variable, 0 greedy), or
     * null when it does not match. Fills {@code params}.
     */
    private static int[] rank(List<String> template, List<Segment> segments, String rawPath, Map<String, String> params) {
        int[] rank = new int[template.size()];
        for (int t = 0; t < template.size(); t++) {
            String part = template.get(t);
            if (isGreedy(part)) {
                if (t >= segments.size()) {
                    return null;
                }
                String raw = rawPath.substring(segments.get(t).rawStart());
                boolean allEmpty = segments.subList(t, segments.size()).stream().allMatch(s -> s.decoded().isEmpty());
                if (allEmpty) {
                    return null;
                }
                params.put(label(part), raw);
                rank[t] = 0;
                return rank;
            }
            if (t >= segments.size()) {
                return null;
            }
            Segment segment = segments.get(t);
            if (isVariable(part)) {
                if (segment.decoded().isEmpty()) {
                    return null;
                }
                params.put(label(part), rawPath.substring(segment.rawStart(), segment.rawEnd()));
                rank[t] = 1;
            } else if (part.equals(segment.decoded())) {
                rank[t] = 2;
            } else {
                return null;
            }
        }
        return template.size() == segments.size() ? rank : null;
    }

    private static int compare(int[] a, int[] b) {
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            if (a[i] != b[i]) {
                return Integer.compare(a[i], b[i]);
            }
        }
        return Integer.compare(a.length, b.length);
    }

    static boolean isVariable(String part) {
        return part.startsWith("{") && part.endsWith("}");
    }

    static boolean isGreedy(String part) {
        return isVariable(part) && part.endsWith("+}");
    }

    private static String label(String part) {
        return part.substring(1, part.length() - (isGreedy(part) ? 2 : 1));
    }

    /** API Gateway's deployment rules for resources, so a route table that would not deploy does not run here. */
    static void validate(List<Resource> routes) {
        Map<String, String> variableChild = new HashMap<>();
        for (Resource route : routes) {
            List<String> parts = route.segments();
            for (int i = 0; i < parts.size(); i++) {
                String part = parts.get(i);
                String parent = i == 0 ? "" : "/" + String.join("/", parts.subList(0, i));
                if (part.isEmpty()) {
                    throw new IllegalArgumentException(route.name() + ": empty path part in " + route.pathTemplate());
                }
                if (isGreedy(part) && i != parts.size() - 1) {
                    throw new IllegalArgumentException(route.name() + ": a greedy path variable must be the last part"
                            + " of the resource path, not in " + route.pathTemplate());
                }
                if (isVariable(part)) {
                    String existing = variableChild.putIfAbsent(parent, part);
                    if (existing != null && !existing.equals(part)) {
                        throw new IllegalArgumentException(route.name() + ": resource '" + (parent.isEmpty() ? "/" : parent)
                                + "' would have two variable children, " + existing + " and " + part
                                + " (API Gateway allows one)");
                    }
                }
            }
        }
    }

    /** Percent-decodes once ('+' stays '+', as in a path); a malformed escape is kept as written. */
    static String decode(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        int i = 0;
        while (i < raw.length()) {
            int c = raw.codePointAt(i);
            if (c == '%' && i + 2 < raw.length() && hex(raw.charAt(i + 1)) >= 0 && hex(raw.charAt(i + 2)) >= 0) {
                out.write(hex(raw.charAt(i + 1)) * 16 + hex(raw.charAt(i + 2)));
                i += 3;
            } else {
                byte[] bytes = Character.toString(c).getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
                i += Character.charCount(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static int hex(char c) {
        return Character.digit(c, 16);
    }
}
