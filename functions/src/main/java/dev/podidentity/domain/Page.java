package dev.podidentity.domain;

import java.util.List;

/** One page of a listing; {@code lastKey} is where the next page starts (null when there is none). */
public record Page<T>(List<T> items, String lastKey) {
    public Page {
        items = List.copyOf(items);
    }
}
