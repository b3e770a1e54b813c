package io.nexusmesh.client;

import java.util.Iterator;
import java.util.function.Function;

/** Views of the blocking iterators grpc-java returns for server streams. */
final class Streams {
  private Streams() {}

  static <A, B> Iterator<B> map(Iterator<A> source, Function<A, B> mapping) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return source.hasNext();
      }

      @Override
      public B next() {
        return mapping.apply(source.next());
      }
    };
  }
}
