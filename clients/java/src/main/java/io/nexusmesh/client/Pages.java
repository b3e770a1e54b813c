package io.nexusmesh.client;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Follows {@code next_page_token}s until the last page of a List call. */
final class Pages {
  static final int SIZE = 200;

  private Pages() {}

  /**
   * Every item of a paginated list.
   *
   * @param fetch asks for the page at a token ("" for the first)
   */
  static <R, T> List<T> all(
      Function<String, R> fetch, Function<R, List<T>> items, Function<R, String> nextToken) {
    List<T> all = new ArrayList<>();
    String token = "";
    do {
      R page = fetch.apply(token);
      all.addAll(items.apply(page));
      token = nextToken.apply(page);
    } while (!token.isEmpty());
    return all;
  }
}
