package dev.podidentity.adapter.dynamodb;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;

/**
 * The writes of one TransactWriteItems request, each under a name. DynamoDB answers a cancellation with one reason per
 * write, in request order; this maps them back to the names, so code decides on the named write rather than on a
 * position that silently depends on the order the writes were added.
 */
final class NamedWrites<N extends Enum<N>> {
    static final String CONDITION_FAILED = "ConditionalCheckFailed";
    /** An item's data defeats a write (e.g. arithmetic on a string): the request is wrong, a retry cannot help. */
    static final String VALIDATION_ERROR = "ValidationError";

    private final Class<N> type;
    private final List<N> names = new ArrayList<>(4);
    private final List<TransactWriteItem> items = new ArrayList<>(4);

    NamedWrites(Class<N> type) {
        this.type = type;
    }

    NamedWrites<N> add(N name, TransactWriteItem item) {
        if (names.contains(name)) {
            throw new IllegalArgumentException("write " + name + " is already part of the transaction");
        }
        names.add(name);
        items.add(item);
        return this;
    }

    List<TransactWriteItem> items() {
        return Collections.unmodifiableList(items);
    }

    /** The writes whose condition failed, by name. */
    Set<N> failedConditions(List<CancellationReason> reasons) {
        return withCode(reasons, CONDITION_FAILED);
    }

    /** The writes DynamoDB refused to apply to their item's data (reason {@code ValidationError}), by name. */
    Set<N> invalid(List<CancellationReason> reasons) {
        return withCode(reasons, VALIDATION_ERROR);
    }

    private Set<N> withCode(List<CancellationReason> reasons, String code) {
        if (!reasons.isEmpty() && reasons.size() != names.size()) {
            throw new IllegalStateException("DynamoDB answered " + reasons.size() + " cancellation reasons for "
                    + names.size() + " writes");
        }
        Set<N> matching = EnumSet.noneOf(type);
        for (int i = 0; i < reasons.size(); i++) {
            if (code.equals(reasons.get(i).code())) {
                matching.add(names.get(i));
            }
        }
        return matching;
    }

    /** The reason DynamoDB gave for a named write (code and message; never the item). */
    String reason(List<CancellationReason> reasons, N name) {
        CancellationReason reason = reasons.get(names.indexOf(name));
        return reason.code() + ": " + reason.message();
    }
}
