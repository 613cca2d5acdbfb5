package dev.podidentity.service;

import java.util.List;

/** A page of a listing as the API answers it: items and the opaque token of the next page (null at the end). */
public record ListResult<T>(List<T> items, String nextToken) {
}
