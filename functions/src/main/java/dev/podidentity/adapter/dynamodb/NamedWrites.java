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
        if (!reasons.isEmpty() && reasons.size() != names.size()) {
            throw new IllegalStateException("DynamoDB answered " + reasons.size() + " cancellation reasons for "
                    + names.size() + " writes");
        }
        Set<N> failed = EnumSet.noneOf(type);
        for (int i = 0; i < reasons.size(); i++) {
            if (CONDITION_FAILED.equals(reasons.get(i).code())) {
                failed.add(names.get(i));
            }
        }
        return failed;
    }
}
